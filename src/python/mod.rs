//! The pyo3 layer (feature `python`): the `chaffless._chaffless` extension module.
