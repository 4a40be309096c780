"""Reading an HDF5 file that may be hostile: only its own bytes, only what the model needs.

Every loader (`.weights.h5`, `model.weights.h5` inside `.keras`, legacy `.h5`) reads through
these functions, so one set of rules holds everywhere:

    group(parent, path)        walks `path` one link at a time; a soft or external link, or a
                               step that is not a group, raises `RefusedFile`
    dataset(group, path)       the same walk, ending at a dataset; a dataset whose bytes live in
                               another file (external raw storage, `external=[...]`) or in other
                               datasets (a virtual dataset) raises `RefusedFile`
    check(ds, shape, where)    compares the dataset's *declared* shape and dtype with what the
                               model expects; nothing is read yet (`Mismatch`, `RefusedFile`)
    read(ds)                   reads a checked dataset: exactly shape * itemsize bytes
    attribute(obj, name)       an attribute (a JSON config, a list of names), its declared size
                               checked first (at most MAX_ATTRIBUTE_BYTES)

HDF5 resolves soft links, external links, external storage and virtual datasets on access, so
the check comes before the access: nothing outside the file is opened. Shapes are checked
before reading, so memory is what the model's variables take, whatever the file declares.
"""

import math

import numpy as np

# A config attribute (legacy .h5 model_config / training_config) or a names list; Keras's
# largest configs are a few hundred KB.
MAX_ATTRIBUTE_BYTES = 32 << 20

# Variable dtypes a weights file may hold: bool, integers, floats (no strings, objects,
# compounds, references or complex numbers).
_NUMERIC_KINDS = "biuf"


class RefusedFile(ValueError):
    """Part of the file is not allowed (a link, outside storage, a non-numeric dataset)."""


class Mismatch(ValueError):
    """The file's variables do not fit the model (count or shape): skip_mismatch may skip it."""


def check_link(parent, name, where):
    """h5py.HardLink if parent has a member `name` linked the ordinary way, None if it has no
    such member; any other link (soft, external, user-defined) raises RefusedFile."""
    # H5Lexists looks at the link itself; `name in parent` would resolve it (and so open the
    # file an external link names)
    if not parent.id.links.exists(name.encode("utf8")):
        return None
    import h5py

    link = parent.get(name, getlink=True, getclass=True)
    if link is not h5py.HardLink:  # soft, external or user-defined: all resolved elsewhere
        kind = {"SoftLink": "a soft link", "ExternalLink": "an external link"}.get(
            getattr(link, "__name__", ""), f"a link of another kind ({link})")
        target = parent.get(name, getlink=True)
        raise RefusedFile(f"{where!r} is {kind} ({target}); a weights file may only hold its "
                          "own data, so links are not followed")
    return link


def group(parent, path, where=None, missing_ok=True):
    """The group at `path` under parent, walked one part at a time (None if absent)."""
    import h5py

    current, walked = parent, []
    for part in [p for p in path.split("/") if p]:
        walked.append(part)
        here = "/".join(walked) if where is None else f"{where}/{'/'.join(walked)}"
        if check_link(current, part, here) is None:
            if missing_ok:
                return None
            raise KeyError(f"{here!r} is not in the file")
        current = current[part]
        if not isinstance(current, h5py.Group):
            raise RefusedFile(f"{here!r} should be a group, but it is a "
                              f"{type(current).__name__}")
    return current


def dataset(parent, path, where=None):
    """The dataset at `path` under parent (links refused), its storage checked; not read."""
    import h5py

    head, _, name = path.rpartition("/")
    owner = group(parent, head, where, missing_ok=False) if head else parent
    here = path if where is None else f"{where}/{path}"
    if check_link(owner, name, here) is None:
        raise KeyError(f"{here!r} is not in the file")
    ds = owner[name]
    if not isinstance(ds, h5py.Dataset):
        raise RefusedFile(f"{here!r} should be a dataset, but it is a {type(ds).__name__}")
    if ds.external:
        files = sorted({str(entry[0]) for entry in ds.external})
        raise RefusedFile(f"dataset {here!r} keeps its data in external file(s) {files}; a "
                          "weights file may only hold its own data")
    if ds.is_virtual:
        raise RefusedFile(f"dataset {here!r} is a virtual dataset (its data would come from "
                          "other datasets or files); a weights file may only hold its own data")
    return ds


def check(ds, shape, where, variable):
    """Raise unless `ds` declares a numeric dtype and exactly `shape`. Reads no data.

    where: "layer 'dense' (layers/dense)"; variable: the variable's name, for the message.
    """
    dtype = ds.dtype
    if dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None:
        raise RefusedFile(f"{where}: variable {variable!r} is stored as dtype {dtype} "
                          f"(dataset {ds.name!r}); expected numbers (bool, int or float)")
    if tuple(ds.shape) != tuple(shape):
        raise Mismatch(f"{where}: variable {variable!r} has shape {tuple(shape)}, but the file "
                       f"holds shape {tuple(ds.shape)}.")


def read(ds):
    """The values of a dataset already `check`ed: one array of its declared shape."""
    out = np.empty(ds.shape, dtype=ds.dtype)
    if out.size:
        ds.read_direct(out)
    return out


def attribute(obj, name, where, default=None):
    """obj.attrs[name], refusing one whose declared size exceeds MAX_ATTRIBUTE_BYTES."""
    if name not in obj.attrs:
        return default
    attr = obj.attrs.get_id(name)
    declared = math.prod(attr.shape or ()) * attr.dtype.itemsize
    try:
        stored = attr.get_storage_size()
    except RuntimeError:  # h5py reads HDF5's "0 bytes" (an empty attribute) as an error
        stored = 0
    if max(declared, stored) > MAX_ATTRIBUTE_BYTES:
        raise RefusedFile(f"attribute {name!r} of {where!r} declares {max(declared, stored)} "
                          f"bytes, over the {MAX_ATTRIBUTE_BYTES >> 20} MiB allowed for a "
                          "config or a list of names")
    return obj.attrs[name]


def has(parent, name):
    """Whether parent has a member `name` (a link of any kind; nothing is resolved)."""
    return parent is not None and parent.id.links.exists(name.encode("utf8"))


def names(parent):
    """The member names of a group (link names only: nothing is resolved or read)."""
    return [] if parent is None else list(parent.keys())
