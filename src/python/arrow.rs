//! The Arrow bridge: string columns in, Arrow arrays out, through the Arrow PyCapsule interface
//! (pyo3-arrow), so pyarrow, Polars, pandas (Arrow-backed), `datasets` and Spark batches reach
//! the core without a Python object per row.
//!
//! Inputs are anything with `__arrow_c_array__` or `__arrow_c_stream__` (a pyarrow `Array` or
//! `ChunkedArray`, a Polars `Series`, ...) of type `utf8`, `large_utf8` or `string_view`; nulls
//! stay nulls. The texts are borrowed from the Arrow buffers, never copied. Results are
//! `pyarrow` objects when pyarrow is installed, else pyo3-arrow objects that speak the same
//! capsule interface (`pyarrow.array(x)`, `polars.Series(x)` read them).

use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Float64Builder, Int64Builder, LargeStringBuilder, ListBuilder,
    StringBuilder, StringViewBuilder,
};
use arrow_array::cast::AsArray;
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, ListArray, RecordBatch, StructArray,
};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field, Fields, Schema};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use pyo3_arrow::input::AnyArray;
use pyo3_arrow::{PyArray, PyRecordBatch};

use crate::document::{char_offsets, Span};
use crate::error::{Error, Result};

/// The chunks of an Arrow input, read from Python (this needs the GIL; the rows are read
/// later, without it).
pub(crate) struct Column {
    chunks: Vec<ArrayRef>,
    what: &'static str,
}

impl Column {
    /// Reads `obj` (an object with `__arrow_c_array__` or `__arrow_c_stream__`).
    pub(crate) fn extract(obj: &Bound<'_, PyAny>, what: &'static str) -> PyResult<Self> {
        let any: AnyArray = obj.extract().map_err(|_| {
            Error::input(format!(
                "{what} must be an Arrow array or stream (an object with __arrow_c_array__ or \
                 __arrow_c_stream__, e.g. a pyarrow Array or a Polars Series), got {}",
                obj.get_type()
                    .name()
                    .map_or_else(|_| "?".to_owned(), |n| n.to_string())
            ))
        })?;
        let reader = any.into_reader()?;
        let mut chunks = Vec::new();
        for chunk in reader {
            chunks.push(chunk.map_err(|e| Error::input(format!("cannot read {what}: {e}")))?);
        }
        Ok(Self { chunks, what })
    }

    /// The type of the column (of its first chunk; `utf8` when empty).
    fn data_type(&self) -> DataType {
        self.chunks
            .first()
            .map_or(DataType::Utf8, |c| c.data_type().clone())
    }

    /// Every row as a borrowed `&str`, `None` for nulls.
    pub(crate) fn strs(&self) -> Result<Vec<Option<&str>>> {
        let mut out = Vec::with_capacity(self.chunks.iter().map(|c| c.len()).sum());
        for chunk in &self.chunks {
            match chunk.data_type() {
                DataType::Utf8 => out.extend(chunk.as_string::<i32>().iter()),
                DataType::LargeUtf8 => out.extend(chunk.as_string::<i64>().iter()),
                DataType::Utf8View => out.extend(chunk.as_string_view().iter()),
                DataType::Null => out.extend(std::iter::repeat(None).take(chunk.len())),
                other => {
                    return Err(Error::input(format!(
                        "{} must be Arrow strings (utf8, large_utf8 or string_view), got {other}",
                        self.what
                    )))
                }
            }
        }
        Ok(out)
    }

    /// Every row as a 64-bit float, `None` for nulls.
    pub(crate) fn floats(&self) -> Result<Vec<Option<f64>>> {
        let mut out = Vec::new();
        for chunk in &self.chunks {
            let cast = |a: &dyn Array| -> Vec<Option<f64>> {
                match a.data_type() {
                    DataType::Float64 => a
                        .as_primitive::<arrow_array::types::Float64Type>()
                        .iter()
                        .collect(),
                    DataType::Float32 => a
                        .as_primitive::<arrow_array::types::Float32Type>()
                        .iter()
                        .map(|v| v.map(f64::from))
                        .collect(),
                    DataType::Int64 => a
                        .as_primitive::<arrow_array::types::Int64Type>()
                        .iter()
                        .map(|v| v.map(|v| v as f64))
                        .collect(),
                    DataType::Int32 => a
                        .as_primitive::<arrow_array::types::Int32Type>()
                        .iter()
                        .map(|v| v.map(f64::from))
                        .collect(),
                    _ => Vec::new(),
                }
            };
            let values = cast(chunk.as_ref());
            if values.len() != chunk.len() {
                return Err(Error::input(format!(
                    "{} must be Arrow numbers (float64, float32, int64 or int32), got {}",
                    self.what,
                    chunk.data_type()
                )));
            }
            out.extend(values);
        }
        Ok(out)
    }

    /// Every row as bytes (`binary` or `large_binary`), `None` for nulls.
    pub(crate) fn bytes(&self) -> Result<Vec<Option<&[u8]>>> {
        let mut out = Vec::new();
        for chunk in &self.chunks {
            match chunk.data_type() {
                DataType::Binary => out.extend(chunk.as_binary::<i32>().iter()),
                DataType::LargeBinary => out.extend(chunk.as_binary::<i64>().iter()),
                DataType::BinaryView => out.extend(chunk.as_binary_view().iter()),
                other => {
                    return Err(Error::input(format!(
                        "{} must be Arrow binary, got {other}",
                        self.what
                    )))
                }
            }
        }
        Ok(out)
    }
}

/// The non-null rows of `rows` with their positions.
pub(crate) fn present<'a>(rows: &[Option<&'a str>]) -> (Vec<usize>, Vec<&'a str>) {
    rows.iter()
        .enumerate()
        .filter_map(|(i, t)| t.map(|t| (i, t)))
        .unzip()
}

/// Texts as an Arrow array of the family of `like` (`string_view` stays `string_view`,
/// `large_utf8` stays `large_utf8`; `utf8` becomes `large_utf8` only past 2 GiB).
pub(crate) fn strings_like(like: &DataType, rows: &[Option<String>]) -> ArrayRef {
    let bytes: usize = rows.iter().flatten().map(String::len).sum();
    match like {
        DataType::Utf8View => {
            let mut b = StringViewBuilder::with_capacity(rows.len());
            for r in rows {
                b.append_option(r.as_deref());
            }
            Arc::new(b.finish())
        }
        DataType::Utf8 if i32::try_from(bytes).is_ok() => {
            let mut b = StringBuilder::with_capacity(rows.len(), bytes);
            for r in rows {
                b.append_option(r.as_deref());
            }
            Arc::new(b.finish())
        }
        _ => {
            let mut b = LargeStringBuilder::with_capacity(rows.len(), bytes);
            for r in rows {
                b.append_option(r.as_deref());
            }
            Arc::new(b.finish())
        }
    }
}

/// The Arrow type of one span: `struct<start, end, label, score, detector, rule, evidence>`,
/// offsets in code points (as `Span.start` / `Span.end` in Python).
pub(crate) fn span_fields() -> Fields {
    Fields::from(vec![
        Field::new("start", DataType::Int64, false),
        Field::new("end", DataType::Int64, false),
        Field::new("label", DataType::Utf8, false),
        Field::new("score", DataType::Float64, false),
        Field::new("detector", DataType::Utf8, false),
        Field::new("rule", DataType::Utf8, false),
        Field::new("evidence", DataType::Utf8, false),
    ])
}

/// The spans of each row as `list<struct<...>>` (see [`span_fields`]); null rows are null.
pub(crate) fn spans_array(rows: &[Option<(&str, Vec<Span>)>]) -> ArrayRef {
    let n: usize = rows.iter().flatten().map(|(_, s)| s.len()).sum();
    let mut start = Int64Builder::with_capacity(n);
    let mut end = Int64Builder::with_capacity(n);
    let mut label = StringBuilder::with_capacity(n, n * 6);
    let mut score = Float64Builder::with_capacity(n);
    let mut detector = StringBuilder::with_capacity(n, n * 10);
    let mut rule = StringBuilder::with_capacity(n, n * 12);
    let mut evidence = StringBuilder::with_capacity(n, n * 40);
    let mut lengths = Vec::with_capacity(rows.len());
    let mut valid = BooleanBuilder::with_capacity(rows.len());
    for row in rows {
        let Some((text, spans)) = row else {
            lengths.push(0);
            valid.append_value(false);
            continue;
        };
        let offsets: Vec<usize> = spans.iter().flat_map(|s| [s.start, s.end]).collect();
        let chars = char_offsets(text, &offsets);
        for (s, c) in spans.iter().zip(chars.chunks_exact(2)) {
            start.append_value(c[0] as i64);
            end.append_value(c[1] as i64);
            label.append_value(s.label.as_str());
            score.append_value(s.score);
            detector.append_value(&s.detector);
            rule.append_value(&s.rule);
            evidence.append_value(&s.evidence);
        }
        lengths.push(spans.len());
        valid.append_value(true);
    }
    let fields = span_fields();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(start.finish()),
        Arc::new(end.finish()),
        Arc::new(label.finish()),
        Arc::new(score.finish()),
        Arc::new(detector.finish()),
        Arc::new(rule.finish()),
        Arc::new(evidence.finish()),
    ];
    let values = StructArray::new(fields.clone(), columns, None);
    let item = Arc::new(Field::new("item", DataType::Struct(fields), false));
    let nulls = valid.finish();
    let nulls = (nulls.false_count() > 0).then(|| nulls.values().clone().into());
    Arc::new(ListArray::new(
        item,
        OffsetBuffer::from_lengths(lengths),
        Arc::new(values),
        nulls,
    ))
}

/// Nullable 64-bit integers.
pub(crate) fn int64s(values: impl IntoIterator<Item = Option<i64>>) -> ArrayRef {
    Arc::new(values.into_iter().collect::<Int64Array>())
}

/// Nullable 64-bit floats.
pub(crate) fn float64s(values: impl IntoIterator<Item = Option<f64>>) -> ArrayRef {
    Arc::new(values.into_iter().collect::<Float64Array>())
}

/// Booleans.
pub(crate) fn bools(values: impl IntoIterator<Item = Option<bool>>) -> ArrayRef {
    Arc::new(values.into_iter().collect::<BooleanArray>())
}

/// Byte strings.
pub(crate) fn binaries<'a>(values: impl IntoIterator<Item = Option<&'a [u8]>>) -> ArrayRef {
    let mut b = BinaryBuilder::new();
    for v in values {
        b.append_option(v);
    }
    Arc::new(b.finish())
}

/// Lists of 64-bit integers.
pub(crate) fn int64_lists(rows: impl IntoIterator<Item = Option<Vec<i64>>>) -> ArrayRef {
    let mut b = ListBuilder::new(Int64Builder::new());
    for row in rows {
        match row {
            Some(values) => {
                b.values().append_slice(&values);
                b.append(true);
            }
            None => b.append(false),
        }
    }
    Arc::new(b.finish())
}

/// `columns` as a record batch.
pub(crate) fn record_batch(columns: Vec<(&str, ArrayRef)>) -> Result<RecordBatch> {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, a)| Field::new(*name, a.data_type().clone(), true))
        .collect();
    let arrays = columns.into_iter().map(|(_, a)| a).collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .map_err(|e| Error::input(format!("cannot build a record batch: {e}")))
}

/// `array` for Python: a `pyarrow.Array` when pyarrow can be imported, else a pyo3-arrow array
/// (Arrow PyCapsule interface).
pub(crate) fn export_array(py: Python<'_>, array: ArrayRef) -> PyResult<Bound<'_, PyAny>> {
    let array = PyArray::from_array_ref(array);
    match py.import("pyarrow") {
        Ok(pa) => pa.getattr("array")?.call1(PyTuple::new(py, [array])?),
        Err(_) => Ok(array.into_pyobject(py)?.into_any()),
    }
}

/// `batch` for Python: a `pyarrow.RecordBatch` when pyarrow can be imported, else a pyo3-arrow
/// record batch (Arrow PyCapsule interface).
pub(crate) fn export_batch(py: Python<'_>, batch: RecordBatch) -> PyResult<Bound<'_, PyAny>> {
    let batch = PyRecordBatch::new(batch);
    if py.import("pyarrow").is_ok() {
        return batch.into_pyarrow(py);
    }
    Ok(batch.into_pyobject(py)?.into_any())
}

/// The data type of a column, for outputs that keep the input's string family.
pub(crate) fn column_type(column: &Column) -> DataType {
    column.data_type()
}
