//! Configuration across the boundary: Python keyword options / dicts to a validated
//! [`CleanerConfig`] through serde, and serde values back to Python objects.
//!
//! Options are converted to a `serde_json::Value` directly (no text round trip, so floats stay
//! exact), deserialised with the core's serde derive (unknown keys rejected) and validated by
//! the core, so messages are the core's: `repeat.min_coverage must be in (0, 1], got 1.5`.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};
use serde_json::{Map, Number, Value};

use crate::config::CleanerConfig;
use crate::error::{Error, Result};

/// A JSON value from a Python object made of dicts, lists, str, int, float, bool and None.
/// `path` names the value in errors (`repeat.min_coverage`).
pub(crate) fn to_value(obj: &Bound<'_, PyAny>, path: &str) -> PyResult<Value> {
    let err = |what: String| {
        let at = if path.is_empty() {
            "configuration"
        } else {
            path
        };
        PyErr::from(Error::config(format!("invalid configuration: {at} {what}")))
    };
    if obj.is_none() {
        Ok(Value::Null)
    } else if let Ok(b) = obj.cast::<PyBool>() {
        Ok(Value::Bool(b.is_true()))
    } else if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            Ok(Value::from(i))
        } else if let Ok(u) = obj.extract::<u64>() {
            Ok(Value::from(u))
        } else {
            Err(err(format!("is out of range, got {}", obj.repr()?)))
        }
    } else if let Ok(f) = obj.cast::<PyFloat>() {
        match Number::from_f64(f.value()) {
            Some(n) => Ok(Value::Number(n)),
            None => Err(err(format!("must be a finite number, got {}", f.value()))),
        }
    } else if let Ok(s) = obj.cast::<PyString>() {
        Ok(Value::String(s.to_cow()?.into_owned()))
    } else if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            out.push(to_value(&item?, &format!("{path}[{i}]"))?);
        }
        Ok(Value::Array(out))
    } else if let Ok(d) = obj.cast::<PyDict>() {
        object(d.items().iter(), path)
    } else if let Ok(m) = obj.cast::<PyMapping>() {
        object(m.items()?.iter(), path)
    } else {
        let ty = obj.get_type().name()?;
        Err(err(format!("has unsupported type {ty}")))
    }
}

/// A JSON object from `(key, value)` pairs; keys must be strings.
fn object<'py>(items: impl Iterator<Item = Bound<'py, PyAny>>, path: &str) -> PyResult<Value> {
    let mut map = Map::new();
    for item in items {
        let (key, value): (Bound<'py, PyAny>, Bound<'py, PyAny>) = item.extract()?;
        let Ok(key) = key.cast::<PyString>() else {
            let at = if path.is_empty() { "option" } else { path };
            let msg = format!(
                "invalid configuration: {at} keys must be strings, got {}",
                key.repr()?
            );
            return Err(Error::config(msg).into());
        };
        let key = key.to_cow()?.into_owned();
        let sub = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        let value = to_value(&value, &sub)?;
        map.insert(key, value);
    }
    Ok(Value::Object(map))
}

/// A Python object (dict, list, str, int, float, bool, None) from a JSON value.
fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let items = items
                .iter()
                .map(|v| to_py(py, v))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// A serialisable value as a Python object.
pub(crate) fn serde_to_py<'py, T: serde::Serialize>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    let value = serde_json::to_value(value)
        .map_err(|e| Error::serialization(format!("cannot convert to Python: {e}")))?;
    to_py(py, &value)
}

/// A configuration that Python options build: deserialised with serde, then validated.
pub(crate) trait Validated: serde::de::DeserializeOwned {
    /// Checks every field; the error names the first bad one.
    fn check(&self) -> Result<()>;
}

impl Validated for CleanerConfig {
    fn check(&self) -> Result<()> {
        self.validate()
    }
}

impl Validated for crate::dedup::DedupConfig {
    fn check(&self) -> Result<()> {
        self.validate()
    }
}

/// Deserialises and validates a configuration given as a JSON object.
///
/// A wrong type is reported with the path of the offending key, found by deserialising the
/// keys one at a time (serde's own message has none).
fn config_from_value<T: Validated>(value: &Value) -> Result<T> {
    let config: T = serde_json::from_value(value.clone()).map_err(|e| {
        let at = culprit::<T>(value)
            .map(|p| format!("{p}: "))
            .unwrap_or_default();
        Error::config(format!("invalid configuration: {at}{e}"))
    })?;
    config.check()?;
    Ok(config)
}

/// The path (`repeat.min_tokens`) of the first key that does not deserialise on its own.
fn culprit<T: Validated>(value: &Value) -> Option<String> {
    let fails = |v: Value| serde_json::from_value::<T>(v).is_err();
    let Value::Object(top) = value else {
        return None;
    };
    for (key, v) in top {
        if !fails(Value::Object(Map::from_iter([(key.clone(), v.clone())]))) {
            continue;
        }
        if let Value::Object(inner) = v {
            for (sub, sv) in inner {
                let one = Map::from_iter([(sub.clone(), sv.clone())]);
                if fails(Value::Object(Map::from_iter([(
                    key.clone(),
                    Value::Object(one),
                )]))) {
                    return Some(format!("{key}.{sub}"));
                }
            }
        }
        return Some(key.clone());
    }
    None
}

/// A validated configuration from Python keyword options (or `None` for the defaults).
pub(crate) fn config_from_py<T: Validated>(options: Option<&Bound<'_, PyAny>>) -> PyResult<T> {
    let value = match options {
        None => Value::Object(Map::new()),
        Some(obj) => to_value(obj, "")?,
    };
    if !value.is_object() {
        return Err(Error::config("invalid configuration: expected a mapping of options").into());
    }
    Ok(config_from_value(&value)?)
}
