//! The one integration-test binary: properties, fixture pages, the real pages in
//! `../shared/data` (skipped when absent), and the JSONL pipeline.

mod comment;
mod dedup;
mod fixtures;
mod fuzz_corpus;
mod jsonl;
mod labels;
mod props;
mod reliability;
mod seeds;
