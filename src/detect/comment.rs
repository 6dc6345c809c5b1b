//! The `comment` detector: comment sections in plain text, in many languages.
//!
//! A scraped page often ends with its readers' comments: a header ("3 comments", "Commentaires
//! (12)", "Kommentare", "评论"), prompts ("Leave a reply", "Pour participer aux discussions,
//! identifiez-vous"), then each comment as a few lines: its text, its author, a timestamp
//! ("22 h 29, le 25 octobre 2016", "October 25, 2016 at 10:29 pm", "vor 2 Stunden"), action
//! lines ("Reply", "Report", "12 likes"), sometimes the same comments twice (a preview, then
//! the full list, bulleted and indented). The detector labels the whole section `comment`, one
//! span per line, each naming its part (`header`, `prompt`, `timestamp`, `action`, `tool`,
//! `author`, `comment_text`) and giving the section's evidence.
//!
//! # Algorithm
//!
//! 1. **Cues.** Each block (line) is classified once:
//!    - `end`: a line that opens what follows a section ("Back to top", "Retour en haut",
//!      "Related posts", a copyright line);
//!    - `prompt`: a line of at most `max_prompt_words` words holding a call to comment, a login
//!      prompt or comment-form text ("be the first to comment", "you must be logged in to *
//!      comment", "Cancel reply", "Your email address will not be published");
//!    - `action`: a line made only of per-comment actions and numbers ("Reply", "12 likes",
//!      "Antworten · Melden", "回复 举报");
//!    - `header`: a line of at most `max_header_words` words made only of header nouns, header
//!      words and numbers ("View all 27 comments", "Comments (12)", "最新评论"), a quoted title
//!      after it aside ("2 comments on “Issue 85”");
//!    - `timestamp`: a line holding a date or time, absolute or relative, and at most
//!      `max_stamp_words` other words (an author, "wrote on"); a sentence with four other
//!      words or more is text ("I moved here 3 years ago.");
//!    - `tool`: a very short line opening or closing with a moderation word ("Edit", "Share to
//!      Facebook", "Follow jane");
//!    - `short` (up to 4 words and not a sentence: an author, a handle) and `text`.
//!
//!    The cues are lists per language in `src/lexicon/comment/<lang>.txt` (format in the
//!    folder's `README.md`), all languages merged, so a page is never asked its language. They
//!    are parsed once; their phrases are tokenized and hashed like page text
//!    ([`crate::normalize`]: case and accents folded), so a line is matched on the token hashes
//!    its [`Document`] already holds, with no string building and no regex. Timestamps are one
//!    regex over the folded line, built from the month, weekday, unit, number-word and
//!    relative-time lists of every language plus the numeric forms (`25/10/2016`, `22:29`,
//!    `22 h 29`, `2016年10月25日`). It runs only on pages that have an anchor (below), and
//!    there only on lines holding a digit or a relative-time word. It has no `\b` (which
//!    would keep the regex engine off its DFA on non-ASCII text): a match must start and end
//!    at word edges, checked in code.
//!
//!    A timestamp after a byline word ("By", "Par", "Von") dates the article, and one with no
//!    sentence or action line within three lines is a list of dated links: both are weak and
//!    do not count as comment structure.
//! 2. **Sections.** Anchors are headers, prompts and actions. From an anchor a section grows
//!    forward over structure lines (headers, prompts, actions, timestamps that are not weak)
//!    and the lines between them. It stops at an `end` line; after more than `max_gap` text
//!    lines or `max_gap_words` words of them without structure (bulleted or indented lines are
//!    not counted once the section is established); or after more than `max_skip` lines of any
//!    kind without structure. Until the section has shown a timestamp or an action, half of
//!    those limits hold and a headline-like line (more than 4 words, no final stop) ends it: a
//!    "3 comments" link above an article never swallows it. Backward, a section takes the
//!    structure lines right above its anchor, and crosses other lines only once it has met an
//!    action line, so an article's dateline or a list of dated links never joins it; or, to
//!    join the section found just above, only lines with no sentence and no structure
//!    (comment-form leftovers such as "Basic HTML"). A section ends on its last structure
//!    line; when its comments open with their timestamps (author
//!    and date, then text), the last comment's text follows that line and is taken too.
//!    Anchors inside a stretch already scanned are not scanned again, so the pass is linear in
//!    the page.
//! 3. **Evidence.** A lone header word is not a section ("Comments" is also a menu entry). A
//!    section needs a prompt, or some text with a header and a timestamp or an action, or
//!    (with no header) some text with two actions and two timestamps. Article sentences about
//!    comments ("The minister's comments drew criticism") are long and neither headers nor
//!    prompts, and an article quoting its readers has no timestamps or reply lines, so neither
//!    makes a section.
//!
//! Every span of a section carries the section's score: 0.75, plus 0.05 per cue (timestamps,
//! actions, up to two headers, prompts counting double), at most 0.95.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

use regex::Regex;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::config::CommentConfig;
use crate::detect::Detector;
use crate::document::{set_at_origin, Document, Label, Span};
use crate::normalize::{fold_word, is_char_token, words, Tokenizer};

/// The detector's versioned name.
pub const NAME: &str = "comment_v1";

/// The cue lists, one file per language (format: `src/lexicon/comment/README.md`).
const LEXICONS: &[(&str, &str)] = &[
    ("en", include_str!("../lexicon/comment/en.txt")),
    ("fr", include_str!("../lexicon/comment/fr.txt")),
    ("de", include_str!("../lexicon/comment/de.txt")),
    ("es", include_str!("../lexicon/comment/es.txt")),
    ("it", include_str!("../lexicon/comment/it.txt")),
    ("pt", include_str!("../lexicon/comment/pt.txt")),
    ("nl", include_str!("../lexicon/comment/nl.txt")),
    ("pl", include_str!("../lexicon/comment/pl.txt")),
    ("ru", include_str!("../lexicon/comment/ru.txt")),
    ("zh", include_str!("../lexicon/comment/zh.txt")),
    ("ja", include_str!("../lexicon/comment/ja.txt")),
];

/// The sections a lexicon file may hold.
const SECTIONS: &[&str] = &[
    "header",
    "header_word",
    "prompt",
    "action",
    "moderation",
    "end",
    "byline",
    "month",
    "weekday",
    "unit",
    "quantity",
    "ago",
    "now",
    "connector",
    "ymd",
    "hm",
];

/// Longest line (in words) that can be an action line.
const MAX_ACTION_WORDS: usize = 6;
/// Longest line (in words) that can be a tool line ("Share to Facebook").
const MAX_TOOL_WORDS: usize = 5;
/// Longest line (in words) that can be an `end` line.
const MAX_END_WORDS: usize = 12;
/// Longest line (in words) that is `short`: an author's name, a handle.
const MAX_SHORT_WORDS: usize = 4;
/// A line of this many words is prose even without a final stop.
const PROSE_WORDS: usize = 20;
/// How far (in blocks) a timestamp looks for the comment text or action it belongs to.
const STAMP_REACH: usize = 3;
/// Most passes of section finding (each on the page without the sections found before).
const MAX_PASSES: usize = 8;
/// Words a `*` in a phrase may stand for.
const MAX_ANY: usize = 3;

type Entries = BTreeMap<&'static str, Vec<&'static str>>;

/// Entries of every lexicon file, by section, all languages merged; parsed once.
fn entries() -> &'static Entries {
    static ENTRIES: OnceLock<Entries> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        let mut out = Entries::new();
        for (_, text) in LEXICONS {
            let mut section = "";
            for line in text.lines().map(str::trim) {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                    section = SECTIONS.iter().find(|s| **s == name).copied().unwrap_or("");
                    continue;
                }
                if !section.is_empty() {
                    out.entry(section).or_default().push(line);
                }
            }
        }
        out
    })
}

fn section(name: &str) -> &'static [&'static str] {
    entries().get(name).map_or(&[], Vec::as_slice)
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(is_char_token)
}

// ---------------------------------------------------------------------------------------------
// Timestamps: one regex over folded lines, compiled once.

/// Folds a line for timestamp matching: letters and digits folded as words are (lower case,
/// accents removed, fullwidth digits made ASCII), other chars kept, stray accents dropped.
fn fold_line(text: &str) -> String {
    // ASCII folds to its lower case (as `fold_word` does), and holds no combining mark.
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if c.is_alphanumeric() {
            fold_word(c.encode_utf8(&mut buf), &mut out);
        } else if !matches!(c as u32, 0x0300..=0x036F) {
            out.push(c);
        }
    }
    out
}

/// The regex of a literal timestamp word or phrase: folded, its words joined by spaces,
/// apostrophes or hyphens ("a l'instant" matches "à l’instant").
fn literal_regex(entry: &str) -> Option<String> {
    let folded = fold_line(entry);
    let parts: Vec<String> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(regex::escape)
        .collect();
    (!parts.is_empty()).then(|| parts.join(r"[\s'’\-]+"))
}

/// An alternation of the literal regexes of `entries`, longest first.
fn literals(entries: &[&str]) -> String {
    let mut parts: Vec<String> = entries.iter().filter_map(|e| literal_regex(e)).collect();
    parts.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    parts.dedup();
    if parts.is_empty() {
        return r"[^\s\S]".to_string(); // matches nothing
    }
    parts.join("|")
}

/// The relative-time templates (`N U ago`, `il y a N U`, `N U前`, `U назад`) as one regex,
/// each list written once: the words before the number (`il y a`, `vor`, `hace`) or after the
/// unit (`ago`, `назад`; glued for CJK: `前`). Templates without `N` take a bare unit.
fn relative_regex(number: &str, unit: &str) -> String {
    let (mut before, mut after, mut after_cjk, mut bare) = (vec![], vec![], vec![], vec![]);
    for template in section("ago") {
        let parts: Vec<&str> = template.split_whitespace().collect();
        let Some(u) = parts.iter().position(|p| p.starts_with('U')) else {
            continue;
        };
        let n = parts.iter().position(|p| *p == "N");
        if let Some(n) = n.filter(|&n| n > 0) {
            before.push(parts[..n].join(" "));
        }
        let glued = parts[u].trim_start_matches('U');
        let rest = std::iter::once(glued)
            .chain(parts[u + 1..].iter().copied())
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if rest.is_empty() {
            continue;
        }
        if n.is_none() {
            bare.push(rest);
        } else if has_cjk(&rest) {
            after_cjk.push(rest);
        } else {
            after.push(rest);
        }
    }
    let alt = |v: &[String]| literals(&v.iter().map(String::as_str).collect::<Vec<_>>());
    let (before, after, after_cjk, bare) = (alt(&before), alt(&after), alt(&after_cjk), alt(&bare));
    let amount = format!(r"(?:{number})\s*(?:{unit})");
    format!(
        r"(?:{before})\s+{amount}|{amount}(?:\s+(?:{after})|\s*(?:{after_cjk}))|(?:{unit})\s+(?:{bare})"
    )
}

/// Compiles one timestamp regex, with room in the lazy DFA for the alternations of many
/// languages, so that its states are built once per thread rather than once per page.
fn regex(pattern: &str) -> Result<Regex, regex::Error> {
    regex::RegexBuilder::new(pattern)
        .dfa_size_limit(32 << 20)
        .build()
}

/// The timestamp regexes.
#[derive(Debug)]
struct Stamps {
    /// Every form; run on lines holding a digit.
    all: Regex,
    /// The forms without digits ("an hour ago", "just now"); run on lines holding one of
    /// their words.
    words: Regex,
}

fn build_stamps() -> Result<Stamps, regex::Error> {
    let (month, weekday) = (literals(section("month")), literals(section("weekday")));
    let (unit, quantity) = (literals(section("unit")), literals(section("quantity")));
    let conn = literals(section("connector"));
    let mut all = vec![
        // Tuesday, 25 octobre 2016; 25. Oktober um; 25 de octubre de 2016; October 25, 2016 at
        format!(
            r"(?:(?:{weekday})\.?,?\s*)?(?:[0-9]{{1,2}}(?:st|nd|rd|th|er|e|o|º|\.)?\s*(?:de\s+)?(?:{month})\.?(?:,?\s*(?:de\s+|del\s+)?[0-9]{{4}})?|(?:{month})\.?\s*[0-9]{{1,2}}(?:st|nd|rd|th)?(?:,?\s*[0-9]{{4}})?)(?:,?\s*(?:{conn}))?"
        ),
        // 25/10/2016, 3/09/15, 25.10.2016, 2016-10-25
        r"[0-9]{1,2}[./-][0-9]{1,2}[./-](?:[0-9]{4}|[0-9]{2})".to_string(),
        r"[0-9]{4}[./-][0-9]{1,2}[./-][0-9]{1,2}".to_string(),
        // 10:29, 10:29:05 pm, 8am, 22 h 29, 22.29 Uhr
        r"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?:\s*[ap]\.?\s?m\.?)?".to_string(),
        r"[0-9]{1,2}\s*[ap]\.?\s?m\.?".to_string(),
        r"[0-9]{1,2}\s?h\s?[0-9]{2}".to_string(),
        r"[0-9]{1,2}(?:[.:][0-9]{2})?\s*uhr".to_string(),
        // 2 hours ago, il y a 3 jours, vor 2 Stunden, 3天前
        relative_regex(&format!("[0-9]+|{quantity}"), &unit),
    ];
    // 2016年10月25日, 10月25日, 22時29分
    for ymd in section("ymd") {
        if let [y, m, d] = ymd.split_whitespace().collect::<Vec<_>>()[..] {
            let (y, m, d) = (regex::escape(y), regex::escape(m), regex::escape(d));
            all.push(format!(
                r"[0-9]{{2,4}}\s*{y}\s*[0-9]{{1,2}}\s*{m}(?:\s*[0-9]{{1,2}}\s*{d})?|[0-9]{{1,2}}\s*{m}\s*[0-9]{{1,2}}\s*{d}"
            ));
        }
    }
    for hm in section("hm") {
        if let [h, m] = hm.split_whitespace().collect::<Vec<_>>()[..] {
            let (h, m) = (regex::escape(h), regex::escape(m));
            all.push(format!(r"[0-9]{{1,2}}\s*{h}\s*[0-9]{{1,2}}\s*{m}"));
        }
    }
    // an hour ago, just now
    let now = literals(section("now"));
    let no_digit = format!("{}|{now}", relative_regex(&quantity, &unit));
    all.push(now);
    all.sort();
    all.dedup();
    Ok(Stamps {
        all: regex(&all.join("|"))?,
        words: regex(&no_digit)?,
    })
}

/// The timestamp regexes, compiled once. `None` only if a lexicon file broke the regex
/// syntax, which the unit tests rule out: the detector then finds no timestamps.
fn stamps() -> Option<&'static Stamps> {
    static STAMPS: OnceLock<Option<Stamps>> = OnceLock::new();
    STAMPS.get_or_init(|| build_stamps().ok()).as_ref()
}

/// True when `a` and `b`, adjacent chars, belong to one word: both letters or both digits,
/// outside the scripts written without spaces.
fn same_word(a: char, b: char) -> bool {
    !is_char_token(a)
        && !is_char_token(b)
        && ((a.is_alphabetic() && b.is_alphabetic()) || (a.is_numeric() && b.is_numeric()))
}

/// The timestamps in `folded` (a [`fold_line`] result) that start and end at word edges: a
/// match cut inside a word is dropped and the search resumes one char further.
fn stamp_matches(re: &Regex, folded: &str) -> Vec<(usize, usize)> {
    let cut =
        |x: Option<char>, y: Option<char>| matches!((x, y), (Some(x), Some(y)) if same_word(x, y));
    let mut out = Vec::new();
    let mut at = 0;
    while at < folded.len() {
        let Some(m) = re.find_at(folded, at) else {
            break;
        };
        let (s, e) = (m.start(), m.end());
        let inner = &folded[s..e];
        if inner.chars().any(char::is_alphanumeric)
            && !cut(folded[..s].chars().next_back(), inner.chars().next())
            && !cut(inner.chars().next_back(), folded[e..].chars().next())
        {
            out.push((s, e));
            at = e;
        } else {
            at = s + folded[s..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out
}

/// A line's timestamps: the number of its words outside them, and their text.
fn timestamp(text: &str, digit: bool) -> Option<(usize, Vec<String>)> {
    let st = stamps()?;
    let folded = fold_line(text);
    let matches = stamp_matches(if digit { &st.all } else { &st.words }, &folded);
    if matches.is_empty() {
        return None;
    }
    let residue = words(&folded)
        .into_iter()
        .filter(|&(s, e)| !matches.iter().any(|&(ms, me)| s < me && ms < e))
        .count();
    let texts = matches
        .iter()
        .map(|&(s, e)| folded[s..e].trim().to_string())
        .collect();
    Some((residue, texts))
}

// ---------------------------------------------------------------------------------------------
// Cue phrases, matched on token hashes.

/// A token of a line, for cue matching: a word's hash, or a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Word(u64),
    Num,
}

/// A token of a lexicon phrase: a word's hash, `#` (a number) or `*` (up to three words).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PTok {
    Word(u64),
    Num,
    Any,
}

/// Splits `word` (a token's text) at digit runs: digits give one [`Tok::Num`], letters their
/// words' hashes ("924Reply" → number, `reply`).
/// True when `text` is ASCII without a digit: none of its words is [`numeric`]. One
/// branch-free pass (vectorised), where asking each word costs a call and a branch a byte.
fn ascii_digit_free(text: &str) -> bool {
    !text
        .bytes()
        .fold(false, |seen, b| seen | !b.is_ascii() | b.is_ascii_digit())
}

/// True when `word` holds a digit: [`push_tokens`] cuts it into numbers and words.
#[inline]
fn numeric(word: &str) -> bool {
    // One pass over the ASCII head; the rest by chars from the first non-ASCII byte (a char
    // boundary, as every byte before it is ASCII).
    for (i, b) in word.bytes().enumerate() {
        if b.is_ascii_digit() {
            return true;
        }
        if !b.is_ascii() {
            return word[i..].chars().any(crate::normalize::is_numeric);
        }
    }
    false
}

fn push_tokens(
    tok: &mut Tokenizer,
    word: &str,
    hash: u64,
    out: &mut Vec<Tok>,
    scratch: &mut Vec<crate::normalize::Token>,
) {
    if !numeric(word) {
        out.push(Tok::Word(hash));
        return;
    }
    let mut start = 0;
    let mut digits: Option<bool> = None;
    let mut flush = |run: &str, is_num: bool, out: &mut Vec<Tok>, tok: &mut Tokenizer| {
        if is_num {
            if out.last() != Some(&Tok::Num) {
                out.push(Tok::Num);
            }
        } else {
            scratch.clear();
            tok.tokenize_into(run, 0, scratch);
            out.extend(scratch.iter().map(|t| Tok::Word(t.hash)));
        }
    };
    for (i, c) in word.char_indices() {
        let d = c.is_numeric();
        if digits.is_some_and(|p| p != d) {
            flush(&word[start..i], !d, out, tok);
            start = i;
        }
        digits = Some(d);
    }
    flush(&word[start..], digits.unwrap_or(false), out, tok);
}

/// The phrases of one cue kind, indexed by their first token.
#[derive(Clone, Debug, Default)]
struct Phrases {
    by_first: FxHashMap<u64, Vec<Vec<PTok>>>,
    num_first: Vec<Vec<PTok>>,
    /// Bit set of the first words' hashes (low bits): most words of a line start no
    /// phrase, and a bit test settles them without a hash-map lookup.
    firsts: Vec<u64>,
}

/// Bits of [`Phrases::firsts`].
const FIRST_BITS: usize = 1 << 12;

/// The bit of word hash `h` in [`Phrases::firsts`].
#[allow(clippy::cast_possible_truncation)]
fn first_bit(h: u64) -> usize {
    h as usize % FIRST_BITS
}

impl Phrases {
    /// What every match needs (see [`Cues::triggers`]): the two words opening each phrase
    /// go to `pairs`, or, when the second is a number or a wildcard or there is none, the
    /// first to `singles`. Phrases opening with a number need a number.
    fn triggers(&self, singles: &mut Vocabulary, pairs: &mut Vocabulary) {
        for (&first, list) in &self.by_first {
            for phrase in list {
                match phrase.get(1) {
                    Some(PTok::Word(second)) => pairs.insert(pair_key(first, *second)),
                    _ => singles.insert(first),
                }
            }
        }
    }

    fn new(tok: &mut Tokenizer, entries: &[&str]) -> Self {
        let mut out = Self::default();
        let mut scratch = Vec::new();
        for entry in entries {
            let mut phrase: Vec<PTok> = Vec::new();
            for part in entry.split_whitespace() {
                match part {
                    "*" if !phrase.is_empty() => phrase.push(PTok::Any),
                    "*" => {}
                    "#" => phrase.push(PTok::Num),
                    _ => {
                        let mut toks = Vec::new();
                        for t in tok.tokenize(part) {
                            push_tokens(
                                tok,
                                &part[t.start..t.end],
                                t.hash,
                                &mut toks,
                                &mut scratch,
                            );
                        }
                        phrase.extend(toks.into_iter().map(|t| match t {
                            Tok::Word(h) => PTok::Word(h),
                            Tok::Num => PTok::Num,
                        }));
                    }
                }
            }
            while phrase.last() == Some(&PTok::Any) {
                phrase.pop();
            }
            match phrase.first() {
                Some(PTok::Word(h)) => {
                    out.firsts.resize(FIRST_BITS / 64, 0);
                    let bit = first_bit(*h);
                    out.firsts[bit / 64] |= 1 << (bit % 64);
                    out.by_first.entry(*h).or_default().push(phrase);
                }
                Some(_) => out.num_first.push(phrase),
                None => {}
            }
        }
        out
    }

    /// Calls `f` with the end of every match of a phrase starting at `i`.
    fn ends_at(&self, toks: &[Tok], i: usize, f: &mut impl FnMut(usize)) {
        let first: &[Vec<PTok>] = match toks.get(i) {
            Some(Tok::Word(h)) => {
                let bit = first_bit(*h);
                if self
                    .firsts
                    .get(bit / 64)
                    .map_or(true, |w| w & (1 << (bit % 64)) == 0)
                {
                    return;
                }
                self.by_first.get(h).map_or(&[], Vec::as_slice)
            }
            Some(Tok::Num) => &self.num_first,
            None => return,
        };
        for p in first {
            match_from(p, toks, i, f);
        }
    }

    /// True when a phrase matches at `i`.
    fn matches_at(&self, toks: &[Tok], i: usize) -> bool {
        let mut found = false;
        self.ends_at(toks, i, &mut |_| found = true);
        found
    }

    /// True when a phrase matches anywhere.
    fn matches_in(&self, toks: &[Tok]) -> bool {
        (0..toks.len()).any(|i| self.matches_at(toks, i))
    }
}

/// Calls `f` with every end of `phrase` matched from `toks[i]`.
fn match_from(phrase: &[PTok], toks: &[Tok], i: usize, f: &mut impl FnMut(usize)) {
    let Some((head, rest)) = phrase.split_first() else {
        f(i);
        return;
    };
    match head {
        PTok::Any => {
            for skip in 0..=MAX_ANY.min(toks.len().saturating_sub(i)) {
                match_from(rest, toks, i + skip, f);
            }
        }
        PTok::Num if toks.get(i) == Some(&Tok::Num) => match_from(rest, toks, i + 1, f),
        PTok::Word(h) if toks.get(i) == Some(&Tok::Word(*h)) => match_from(rest, toks, i + 1, f),
        _ => {}
    }
}

/// True when `toks` is a sequence of phrases of `kinds` and numbers, at least one from
/// `kinds[0]` (the header noun, the action).
fn covers(toks: &[Tok], kinds: &[&Phrases]) -> bool {
    let n = toks.len();
    // reach[p] bit 0: reachable; bit 1: reachable with a phrase of kinds[0] used. Lines
    // are short: on the stack.
    let mut stack = [0u8; 64];
    let mut heap = Vec::new();
    let reach: &mut [u8] = if n < stack.len() {
        &mut stack[..=n]
    } else {
        heap.resize(n + 1, 0);
        &mut heap
    };
    reach[0] = 1;
    for i in 0..n {
        let r = reach[i];
        if r == 0 {
            continue;
        }
        if toks[i] == Tok::Num {
            reach[i + 1] |= r;
        }
        for (k, kind) in kinds.iter().enumerate() {
            let bits = if k == 0 { r | 2 } else { r };
            kind.ends_at(toks, i, &mut |e| reach[e] |= bits);
        }
    }
    reach[n] & 2 != 0
}

/// The cues of every language, hashed with the page tokens' seed.
#[derive(Clone, Debug)]
struct Cues {
    header: Phrases,
    header_word: Phrases,
    prompt: Phrases,
    action: Phrases,
    end: Phrases,
    byline: Phrases,
    moderation: FxHashSet<u64>,
    /// Words of the digit-free timestamps ("ago", "instant", "назад", "前").
    stamp_words: FxHashSet<u64>,
    /// What a cue needs, of the phrases of the kinds that can name a line on their own (not
    /// `header_word`, which only ever follows a `header` phrase): the two words that open a
    /// phrase (`pairs`), or its first word when its second is no word (`triggers`, with the
    /// moderation and the timestamp words). A line with none of them and no number is plain
    /// text to every cue, settled without matching a phrase: "to" opens prompts, but few
    /// lines hold "to add" or "to post".
    triggers: Vocabulary,
    pairs: Vocabulary,
}

/// A set of hashes with a bit set in front (most page words are in no cue).
#[derive(Clone, Debug, Default)]
struct Vocabulary {
    words: FxHashSet<u64>,
    bits: Vec<u64>,
}

/// Bits of [`Vocabulary::bits`].
const VOCABULARY_BITS: usize = 1 << 16;

/// The key of two words in a row.
fn pair_key(a: u64, b: u64) -> u64 {
    a.rotate_left(29) ^ b.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

impl Vocabulary {
    #[allow(clippy::cast_possible_truncation)]
    fn bit(h: u64) -> usize {
        h as usize % VOCABULARY_BITS
    }

    fn insert(&mut self, h: u64) {
        self.bits.resize(VOCABULARY_BITS / 64, 0);
        let bit = Self::bit(h);
        self.bits[bit / 64] |= 1 << (bit % 64);
        self.words.insert(h);
    }

    #[inline]
    fn contains(&self, h: u64) -> bool {
        let bit = Self::bit(h);
        self.bits
            .get(bit / 64)
            .is_some_and(|w| w & (1 << (bit % 64)) != 0)
            && self.words.contains(&h)
    }
}

impl Cues {
    fn new(seed: u64) -> Self {
        let mut tok = Tokenizer::new(seed);
        let mut p = |name: &str| Phrases::new(&mut tok, section(name));
        let (header, header_word, prompt) = (p("header"), p("header_word"), p("prompt"));
        let (action, end, byline) = (p("action"), p("end"), p("byline"));
        let mut tok = Tokenizer::new(seed);
        let moderation: FxHashSet<u64> = section("moderation")
            .iter()
            .flat_map(|m| tok.tokenize(m).into_iter().take(1))
            .map(|t| t.hash)
            .collect();
        let mut stamp_words = FxHashSet::default();
        for entry in section("ago").iter().chain(section("now")) {
            for w in entry.split_whitespace() {
                let w = w.trim_start_matches('U');
                if matches!(w, "N" | "U") || (w.chars().count() < 2 && !has_cjk(w)) {
                    continue;
                }
                stamp_words.extend(tok.tokenize(w).iter().map(|t| t.hash));
            }
        }
        let (mut triggers, mut pairs) = (Vocabulary::default(), Vocabulary::default());
        for phrases in [&header, &prompt, &action, &end, &byline] {
            phrases.triggers(&mut triggers, &mut pairs);
        }
        moderation
            .iter()
            .chain(&stamp_words)
            .for_each(|&h| triggers.insert(h));
        Self {
            header,
            header_word,
            prompt,
            action,
            end,
            byline,
            moderation,
            stamp_words,
            triggers,
            pairs,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Lines and sections.

/// What a line is, for comment structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Opens what follows a section: stops it.
    End,
    Prompt,
    Action,
    Header,
    Stamp,
    /// A moderation tool line ("Edit", "Share to Facebook").
    Tool,
    /// Up to 4 words and not a sentence: an author, a handle, a menu entry.
    Short,
    Text,
}

#[derive(Clone, Copy, Debug)]
struct Line {
    /// The block's index in the document.
    block: usize,
    role: Role,
    words: usize,
    /// A sentence (ends with a stop) or a long line.
    prose: bool,
    /// A bulleted or indented line.
    item: bool,
    /// May be a timestamp (holds a digit or a relative-time word): resolved only on pages
    /// that have an anchor, since timestamps matter only there.
    maybe_stamp: bool,
    /// Holds a digit.
    digit: bool,
    /// Opens with a byline word.
    byline: bool,
    /// A timestamp with a sentence or an action nearby (set after classification).
    strong_stamp: bool,
}

fn ends_sentence(text: &str) -> bool {
    const STOPS: [char; 7] = ['.', '!', '?', '…', '。', '！', '？'];
    let t = text.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | '”' | '’' | '»' | ')' | ']' | '」' | '）')
    });
    if !t.ends_with(STOPS) {
        return false;
    }
    // "M.V.", "J. Smith" end with an initial's stop, not a sentence's.
    let last_word = t
        .trim_end_matches(STOPS)
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    !(t.ends_with('.') && last_word.chars().count() == 1 && !has_cjk(last_word))
}

/// Quotes that open a title after a header.
const QUOTES: [char; 5] = ['“', '"', '«', '「', '‘'];

/// Byte offset of the first of [`QUOTES`] in `text`: `text.find(QUOTES)`, found by the quotes'
/// first bytes with `memchr` (SIMD) rather than by decoding every char of every short line.
/// The bytes searched for are ASCII or UTF-8 lead bytes, so every hit is a char boundary.
fn find_quote(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let at = |i: usize| text[i..].starts_with(QUOTES);
    let first = memchr::memchr3_iter(b'"', 0xC2, 0xE2, bytes).find(|&i| at(i));
    // '「' starts with 0xE3, a fourth byte: searched only before the first hit.
    let limit = first.unwrap_or(bytes.len());
    memchr::memchr_iter(0xE3, &bytes[..limit])
        .find(|&i| at(i))
        .or(first)
}

fn is_item(text: &str, indented: bool) -> bool {
    indented
        || (text.starts_with(['•', '·', '▪', '◦', '‣', '●', '-', '–', '—', '*'])
            && text.chars().nth(1).is_some_and(char::is_whitespace))
}

/// Evidence counted over a section.
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    headers: usize,
    prompts: usize,
    actions: usize,
    stamps: usize,
}

impl Counts {
    fn add(&mut self, role: Role) {
        match role {
            Role::Header => self.headers += 1,
            Role::Prompt => self.prompts += 1,
            Role::Action => self.actions += 1,
            Role::Stamp => self.stamps += 1,
            _ => {}
        }
    }

    fn merge(&mut self, other: &Counts) {
        self.headers += other.headers;
        self.prompts += other.prompts;
        self.actions += other.actions;
        self.stamps += other.stamps;
    }

    /// Shown a comment's own structure (a timestamp or an action): wider limits apply.
    fn established(&self) -> bool {
        self.actions + self.stamps > 0
    }

    /// Enough evidence for a section holding `texts` text lines.
    fn accepted(&self, texts: usize) -> bool {
        self.prompts > 0
            || (texts > 0
                && ((self.headers > 0 && self.actions + self.stamps > 0)
                    || (self.actions >= 2 && self.stamps >= 2)))
    }

    fn score(&self) -> f64 {
        let cues = self.actions + self.stamps + self.headers.min(2) + 2 * self.prompts;
        #[allow(clippy::cast_precision_loss)]
        let s = 0.75 + 0.05 * cues.min(4) as f64;
        s.min(0.95)
    }
}

/// A section found: its lines (indices into the detector's lines) with their rules.
#[derive(Clone, Debug)]
struct Found {
    members: Vec<(usize, &'static str)>,
    counts: Counts,
}

/// A section: blocks `start..=end`.
#[derive(Clone, Copy, Debug)]
struct Section {
    start: usize,
    end: usize,
    counts: Counts,
}

/// Finds comment sections in a page. See the [module docs](self).
#[derive(Clone, Debug)]
pub struct CommentDetector {
    config: CommentConfig,
    seed: u64,
    /// Shared by clones: built once, read only.
    cues: Arc<Cues>,
}

impl CommentDetector {
    /// A detector with `config` (assumed validated), for documents tokenized with `seed`.
    #[must_use]
    pub fn new(config: CommentConfig, seed: u64) -> Self {
        Self {
            config,
            seed,
            cues: Arc::new(Cues::new(seed)),
        }
    }

    fn classify(
        &self,
        doc: &Document<'_>,
        i: usize,
        tok: &mut Tokenizer,
        (buf, scratch): &mut (Vec<Tok>, Vec<crate::normalize::Token>),
    ) -> Line {
        let cfg = &self.config;
        let cues = &self.cues;
        let block = doc.blocks()[i];
        let text = doc.block_text(i);
        let tokens = doc.tokens(i);
        let n = tokens.len();
        let prose = n >= PROSE_WORDS || (n >= 2 && ends_sentence(text));
        let mut line = Line {
            block: i,
            role: Role::Text,
            words: n,
            prose,
            item: is_item(text, block.start > block.line_start),
            maybe_stamp: false,
            digit: false,
            byline: false,
            strong_stamp: false,
        };
        let longest = MAX_END_WORDS
            .max(cfg.max_prompt_words)
            .max(cfg.max_header_words)
            .max(cfg.max_stamp_words + 8);
        if n == 0 || n > longest {
            return line;
        }
        // No trigger and no number: no phrase can match (`header` phrases included, which
        // `covers` needs one of), no word is a moderation or a timestamp word. Without a
        // number, the cues' tokens are the page's.
        let digit_free = ascii_digit_free(text);
        let plain = !text.starts_with('©')
            && tokens.iter().enumerate().all(|(k, t)| {
                !cues.triggers.contains(t.hash)
                    && !tokens
                        .get(k + 1)
                        .is_some_and(|u| cues.pairs.contains(pair_key(t.hash, u.hash)))
                    && (digit_free || !numeric(&doc.text()[t.start..t.end]))
            });
        if plain {
            if n <= MAX_SHORT_WORDS && !prose {
                line.role = Role::Short;
            }
            return line;
        }
        buf.clear();
        // A quoted title after a header is no part of it: "2 comments on “Issue 85”".
        let quote = find_quote(text)
            .filter(|&q| q > 0)
            .map_or(usize::MAX, |q| block.start + q);
        let mut head = 0; // cue tokens before the quote
        for t in tokens {
            if digit_free {
                buf.push(Tok::Word(t.hash));
            } else {
                push_tokens(tok, &doc.text()[t.start..t.end], t.hash, buf, scratch);
            }
            if t.start < quote {
                head = buf.len();
            }
        }
        let toks = buf.as_slice();
        let digit = toks.contains(&Tok::Num);
        line.digit = digit;
        line.byline = cues.byline.matches_at(toks, 0);
        line.role = if text.starts_with('©') || (n <= MAX_END_WORDS && cues.end.matches_at(toks, 0))
        {
            Role::End
        } else if n <= cfg.max_prompt_words && cues.prompt.matches_in(toks) {
            Role::Prompt
        } else if n <= MAX_ACTION_WORDS && covers(toks, &[&cues.action]) {
            Role::Action
        } else if n <= cfg.max_header_words
            && covers(&toks[..head], &[&cues.header, &cues.header_word])
        {
            Role::Header
        } else if n <= MAX_TOOL_WORDS
            && [toks.first(), toks.last()]
                .into_iter()
                .any(|t| matches!(t, Some(Tok::Word(h)) if cues.moderation.contains(h)))
        {
            Role::Tool
        } else if n <= MAX_SHORT_WORDS && !prose {
            Role::Short
        } else {
            Role::Text
        };
        line.maybe_stamp = matches!(line.role, Role::Tool | Role::Short | Role::Text)
            && (digit
                || toks
                    .iter()
                    .any(|t| matches!(t, Tok::Word(h) if cues.stamp_words.contains(h))));
        line
    }

    /// Turns the timestamp candidates that hold a timestamp into `timestamp` lines.
    fn resolve_stamps(&self, doc: &Document<'_>, lines: &mut [Line], cache: &mut CommentCache) {
        for line in lines.iter_mut() {
            if !line.maybe_stamp {
                continue;
            }
            let origin = doc.origin(line.block);
            let stamp = match cache.stamp(origin) {
                Some(stamp) => stamp,
                None => {
                    let stamp = timestamp(doc.block_text(line.block), line.digit).is_some_and(
                        |(residue, _)| {
                            // A sentence that mentions a date is text: "I moved here 3 years
                            // ago."
                            residue <= self.config.max_stamp_words && !(line.prose && residue >= 4)
                        },
                    );
                    cache.set_stamp(origin, stamp);
                    stamp
                }
            };
            if stamp {
                line.role = Role::Stamp;
            }
        }
    }

    fn strong(line: &Line) -> bool {
        matches!(line.role, Role::Header | Role::Prompt | Role::Action)
            || (line.role == Role::Stamp && line.strong_stamp)
    }

    /// Limits (text lines, words, lines) between two structure lines.
    fn limits(&self, established: bool) -> (usize, usize, usize) {
        let c = &self.config;
        if established {
            (c.max_gap, c.max_gap_words, c.max_skip)
        } else {
            (
                c.max_gap.div_ceil(2),
                c.max_gap_words.div_ceil(2),
                c.max_skip.div_ceil(2),
            )
        }
    }

    /// Grows a section forward from the anchor `a`; returns its last block.
    fn forward(&self, lines: &[Line], a: usize, counts: &mut Counts) -> usize {
        let mut last = a;
        let (mut gap, mut gap_words, mut skip) = (0, 0, 0);
        for (j, l) in lines.iter().enumerate().skip(a + 1) {
            if l.role == Role::End {
                break;
            }
            if Self::strong(l) {
                last = j;
                counts.add(l.role);
                (gap, gap_words, skip) = (0, 0, 0);
                continue;
            }
            let established = counts.established();
            let (max_gap, max_words, max_skip) = self.limits(established);
            skip += 1;
            if l.role == Role::Text && !(established && l.item) {
                // Before the first comment cue only comment-like text is crossed: a headline
                // (several words, no stop) is the article's.
                if !established && !l.prose && !l.item && l.words > MAX_SHORT_WORDS {
                    break;
                }
                gap += 1;
                gap_words += l.words;
            }
            if gap > max_gap || gap_words > max_words || skip > max_skip {
                break;
            }
        }
        last
    }

    /// Grows a section backward from the anchor `a`, not before `lo`. Returns its first block,
    /// and whether it joins the section just above, which ends at `lo - 1` when `join`.
    fn backward(
        &self,
        lines: &[Line],
        a: usize,
        lo: usize,
        join: bool,
        counts: &mut Counts,
    ) -> (usize, bool) {
        let mut first = a;
        let mut seen_action = lines[a].role == Role::Action;
        // Past a non-structure line with no action met, lines are taken only if the scan
        // reaches the section above across lines with no sentence and no structure (form
        // and widget leftovers): an article between two sections stays.
        let mut tentative = false;
        let (mut gap, mut gap_words, mut skip) = (0, 0, 0);
        let mut reached = true;
        for j in (lo..a).rev() {
            let l = &lines[j];
            if l.role == Role::End {
                reached = false;
                break;
            }
            if tentative && (l.prose || Self::strong(l)) {
                reached = false;
                break;
            }
            if Self::strong(l) {
                first = j;
                counts.add(l.role);
                seen_action |= l.role == Role::Action;
                (gap, gap_words, skip) = (0, 0, 0);
                continue;
            }
            if !seen_action && !tentative {
                if !join {
                    reached = false;
                    break;
                }
                tentative = true;
            }
            let (max_gap, max_words, max_skip) = self.limits(!tentative);
            skip += 1;
            if l.role == Role::Text {
                gap += 1;
                gap_words += l.words;
            }
            if gap > max_gap || gap_words > max_words || skip > max_skip {
                reached = false;
                break;
            }
        }
        if join && reached {
            return (lo, true);
        }
        // An author's name just above the first timestamp.
        if first > lo && lines[first].role == Role::Stamp && lines[first - 1].role == Role::Short {
            first -= 1;
        }
        (first, false)
    }

    /// When comments open with their timestamps (author and date, then text), the last
    /// comment's text follows the section's last structure line: returns the new end.
    fn tail(lines: &[Line], sec: &Section) -> usize {
        let end = sec.end;
        if lines[end].role != Role::Stamp || sec.counts.stamps < 2 {
            return end;
        }
        // Longest run of text lines between two structure lines, and whether the first
        // comment structure after the anchor comes before any text.
        let (mut run, mut longest) = (0, 0);
        let mut stamp_first = None;
        for l in &lines[sec.start..=end] {
            if Self::strong(l) {
                if stamp_first.is_none() && l.role == Role::Stamp {
                    stamp_first = Some(true);
                }
                longest = longest.max(run);
                run = 0;
            } else if l.role == Role::Text {
                stamp_first.get_or_insert(false);
                run += 1;
            }
        }
        if stamp_first != Some(true) {
            return end;
        }
        let mut new_end = end;
        for (j, l) in lines.iter().enumerate().skip(end + 1).take(longest) {
            if l.role != Role::Text || !l.prose {
                break;
            }
            new_end = j;
        }
        new_end
    }

    fn sections(&self, lines: &[Line]) -> Vec<Section> {
        let mut out: Vec<Section> = Vec::new();
        let mut next = 0; // blocks before this were scanned
        for a in 0..lines.len() {
            if a < next || !matches!(lines[a].role, Role::Header | Role::Prompt | Role::Action) {
                continue;
            }
            let mut counts = Counts::default();
            counts.add(lines[a].role);
            let end = self.forward(lines, a, &mut counts);
            let join = out.last().is_some_and(|p| p.end + 1 == next);
            let (start, joined) = self.backward(lines, a, next, join, &mut counts);
            // Reaching back to the section just found: one section, the lines between taken.
            if let Some(prev) = out.last_mut().filter(|_| joined) {
                prev.counts.merge(&counts);
                prev.end = end;
                prev.end = Self::tail(lines, prev);
                next = prev.end + 1;
                continue;
            }
            next = end + 1;
            let texts = lines[start..=end]
                .iter()
                .filter(|l| l.role == Role::Text)
                .count();
            if !counts.accepted(texts) {
                continue;
            }
            let mut sec = Section { start, end, counts };
            sec.end = Self::tail(lines, &sec);
            next = sec.end + 1;
            out.push(sec);
        }
        out
    }
}

/// Marks the timestamps that belong to comments: not a byline, and a sentence or an action
/// line within [`STAMP_REACH`] lines, not across an `end` line.
fn mark_strong_stamps(lines: &mut [Line]) {
    let n = lines.len();
    for i in 0..n {
        if lines[i].role != Role::Stamp || lines[i].byline {
            continue;
        }
        let near = |range: &mut dyn Iterator<Item = usize>| {
            for j in range {
                let l = &lines[j];
                if l.role == Role::End {
                    return false;
                }
                if l.role == Role::Action || (l.prose && l.role == Role::Text) {
                    return true;
                }
            }
            false
        };
        let after = near(&mut (i + 1..n.min(i + 1 + STAMP_REACH)));
        let before = near(&mut (i.saturating_sub(STAMP_REACH)..i).rev());
        lines[i].strong_stamp = after || before;
    }
}

/// The blocks that `spans` (earlier detectors' findings) cover whole.
fn removed_blocks(doc: &Document<'_>, spans: &[Span]) -> Vec<bool> {
    let mut ranges: Vec<(usize, usize)> = spans.iter().map(|s| (s.start, s.end)).collect();
    ranges.sort_unstable();
    // Merge into disjoint ranges.
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    doc.blocks()
        .iter()
        .map(|b| {
            let k = merged.partition_point(|r| r.0 <= b.start);
            k > 0 && merged[k - 1].1 >= b.end
        })
        .collect()
}

/// The comment texts that have a word-for-word copy outside every section: they stay.
///
/// Such a line is a quote of the article or of other page text, not only a comment; and
/// removing it would change how many copies of it the page holds, which the `repeat`
/// detector counts (text on more than `max_copies` lines is a page pattern), so a second
/// cleaning pass could decide otherwise than the first. `alive[k]`: line `k` is in no section.
fn copies_outside(
    doc: &Document<'_>,
    lines: &[Line],
    alive: &[bool],
    found: &[Found],
) -> Vec<bool> {
    let key = |k: usize| {
        let mut h = rustc_hash::FxHasher::default();
        for t in doc.tokens(lines[k].block) {
            std::hash::Hasher::write_u64(&mut h, t.hash);
        }
        std::hash::Hasher::finish(&h)
    };
    let mut kept = vec![false; lines.len()];
    let texts: Vec<usize> = found
        .iter()
        .flat_map(|f| f.members.iter().map(|&(k, _)| k))
        .filter(|&k| lines[k].role == Role::Text && lines[k].words >= 2)
        .collect();
    if texts.is_empty() {
        return kept;
    }
    let outside: FxHashSet<u64> = (0..lines.len())
        .filter(|&k| alive[k] && lines[k].words >= 2)
        .map(key)
        .collect();
    for k in texts {
        kept[k] = outside.contains(&key(k));
    }
    kept
}

/// The rule naming a line's part in its section.
fn rule(lines: &[Line], i: usize) -> &'static str {
    let stamp = |j: Option<usize>| {
        j.and_then(|j| lines.get(j))
            .is_some_and(|l| l.role == Role::Stamp)
    };
    match lines[i].role {
        Role::Header => "header",
        Role::Prompt => "prompt",
        Role::Action => "action",
        Role::Tool => "tool",
        Role::Stamp => "timestamp",
        Role::Short if stamp(i.checked_sub(1)) || stamp(Some(i + 1)) => "author",
        Role::End | Role::Short | Role::Text => "comment_text",
    }
}

impl Detector for CommentDetector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, doc: &Document<'_>, out: &mut Vec<Span>) {
        self.detect_cached(doc, out, &mut CommentCache::default());
    }
}

/// What the comment detector found of each line of a page, kept for the cleaner's later
/// passes over the same page: a line kept whole reads the same, so its class and its
/// timestamp stay (indexed by the line's [`Document::origin`]).
#[derive(Debug, Default)]
pub(crate) struct CommentCache {
    lines: Vec<Option<Line>>,
    stamps: Vec<Option<bool>>,
}

impl CommentCache {
    fn line(&self, origin: u32) -> Option<Line> {
        self.lines.get(origin as usize).copied().flatten()
    }

    fn set_line(&mut self, origin: u32, line: Line) {
        set_at_origin(&mut self.lines, origin, line);
    }

    fn stamp(&self, origin: u32) -> Option<bool> {
        self.stamps.get(origin as usize).copied().flatten()
    }

    fn set_stamp(&mut self, origin: u32, stamp: bool) {
        set_at_origin(&mut self.stamps, origin, stamp);
    }
}

impl CommentDetector {
    /// [`Detector::detect`], reusing (and filling) what `cache` holds of the page's lines.
    pub(crate) fn detect_cached(
        &self,
        doc: &Document<'_>,
        out: &mut Vec<Span>,
        cache: &mut CommentCache,
    ) {
        if !self.config.enabled || doc.blocks().is_empty() {
            return;
        }
        let mut tok = Tokenizer::new(self.seed);
        let mut buf = (Vec::new(), Vec::new());
        // Blocks an earlier detector removed are skipped as if absent: sections are found in
        // the page as it will read once cleaned, so a second pass finds the same ones.
        let removed = removed_blocks(doc, out);
        let mut lines: Vec<Line> = (0..doc.blocks().len())
            .filter(|&i| !removed[i])
            .map(|i| {
                let origin = doc.origin(i);
                if let Some(line) = cache.line(origin) {
                    return Line { block: i, ..line };
                }
                let line = self.classify(doc, i, &mut tok, &mut buf);
                cache.set_line(origin, line);
                line
            })
            .collect();
        if !lines
            .iter()
            .any(|l| matches!(l.role, Role::Header | Role::Prompt | Role::Action))
        {
            return; // no anchor, no section: most pages stop here
        }
        self.resolve_stamps(doc, &mut lines, cache);

        // Sections are found, then found again in the page as it reads without them, until
        // a pass finds none: cutting a section out brings its neighbours together (a date and
        // a comment text it was kept apart from), and a second cleaning must find nothing new.
        let mut found: Vec<Found> = Vec::new();
        let mut alive = vec![true; lines.len()];
        for _ in 0..MAX_PASSES {
            let idx: Vec<usize> = (0..lines.len()).filter(|&k| alive[k]).collect();
            let mut view: Vec<Line> = idx.iter().map(|&k| lines[k]).collect();
            mark_strong_stamps(&mut view);
            let sections = self.sections(&view);
            if sections.is_empty() {
                break;
            }
            for sec in sections {
                let members: Vec<(usize, &'static str)> = (sec.start..=sec.end)
                    .map(|i| (idx[i], rule(&view, i)))
                    .collect();
                for &(k, _) in &members {
                    alive[k] = false;
                }
                found.push(Found {
                    members,
                    counts: sec.counts,
                });
            }
        }
        let kept = copies_outside(doc, &lines, &alive, &found);
        for sec in &found {
            let c = sec.counts;
            let summary = format!(
                "comment section of {} lines: {} headers, {} prompts, {} timestamps, {} actions",
                sec.members.len(),
                c.headers,
                c.prompts,
                c.stamps,
                c.actions
            );
            let score = c.score();
            for &(k, rule) in sec.members.iter().filter(|(k, _)| !kept[*k]) {
                let block = doc.blocks()[lines[k].block];
                let mut evidence = String::new();
                if rule == "timestamp" {
                    let text = doc.block_text(lines[k].block);
                    let digit = text.chars().any(char::is_numeric);
                    if let Some((_, texts)) = timestamp(text, digit) {
                        let _ = write!(evidence, "{:?} in ", texts.join(" "));
                    }
                }
                evidence.push_str(&summary);
                out.push(Span {
                    start: block.start,
                    end: block.end,
                    label: Label::Comment,
                    score,
                    detector: NAME.into(),
                    rule: rule.into(),
                    evidence: evidence.into(),
                    copies: Vec::new(),
                });
            }
        }
        out.sort_by_key(|s| (s.start, s.end));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detector() -> CommentDetector {
        CommentDetector::new(CommentConfig::default(), 0)
    }

    fn is_stamp(line: &str) -> bool {
        build_stamps().unwrap();
        timestamp(line, line.chars().any(char::is_numeric))
            .is_some_and(|(r, _)| r <= CommentConfig::default().max_stamp_words)
    }

    fn roles(page: &str) -> Vec<Role> {
        let doc = Document::new(page, 0);
        let d = detector();
        let mut tok = Tokenizer::new(0);
        let mut buf = (Vec::new(), Vec::new());
        let mut lines: Vec<Line> = (0..doc.blocks().len())
            .map(|i| d.classify(&doc, i, &mut tok, &mut buf))
            .collect();
        d.resolve_stamps(&doc, &mut lines, &mut CommentCache::default());
        lines.iter().map(|l| l.role).collect()
    }

    fn role(line: &str) -> Role {
        roles(line)[0]
    }

    #[test]
    fn every_lexicon_file_is_well_formed() {
        for (lang, text) in LEXICONS {
            let mut seen = Vec::new();
            for line in text.lines().map(str::trim) {
                if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                    assert!(SECTIONS.contains(&name), "{lang}: unknown section [{name}]");
                    seen.push(name);
                }
            }
            for required in ["header", "prompt", "action", "end", "unit", "ago"] {
                assert!(seen.contains(&required), "{lang}: no [{required}] section");
            }
        }
    }

    #[test]
    fn timestamps_in_many_languages() {
        let cases = [
            "22 h 29, le 25 octobre 2016",
            "October 25, 2016 at 10:29 pm",
            "Oct. 25, 2016",
            "March 11th, 2015 at 02:57",
            "Sallie Goetsch · March 10, 2017 at 12:20 AM",
            "Alexander Petrov wrote on March 11th, 2015 at 02:57:",
            "2 hours ago",
            "an hour ago",
            "52m ago",
            "3/09/15 8:12am",
            "6:32 PM",
            "il y a 3 jours",
            "à l’instant",
            "vor 2 Stunden",
            "25. Oktober 2016 um 22:29 Uhr",
            "am 3. März 2016",
            "hace 5 minutos",
            "25 de octubre de 2016 a las 22:29",
            "há 2 dias",
            "3 ore fa",
            "2 uur geleden",
            "25 października 2016",
            "5 minut temu",
            "25 октября 2016 в 22:29",
            "2 часа назад",
            "2016年10月25日 22:29",
            "3天前",
            "10月25日",
            "2016年10月25日 22時29分",
            "5分前",
            "2016-10-25 22:29",
            "Tuesday, October 25, 2016",
        ];
        for c in cases {
            assert!(is_stamp(c), "not a timestamp: {c:?}");
        }
    }

    #[test]
    fn not_timestamps() {
        let cases = [
            "The council met in March to discuss the budget for the harbour and the new bridge.",
            "Chapter 14",
            "March 2015",
            "Version 0.9.282.1",
            "3 out of 5",
            "We have waited ago for years",
            "Comments",
            "Mayor",
        ];
        for c in cases {
            assert!(!is_stamp(c), "timestamp: {c:?}");
        }
    }

    #[test]
    fn headers_prompts_actions() {
        let cases: &[(&str, Role)] = &[
            ("3 comments", Role::Header),
            ("Comments (12)", Role::Header),
            ("commentaires (3)", Role::Header),
            ("Tous les commentaires", Role::Header),
            ("Kommentare", Role::Header),
            ("Comentarios", Role::Header),
            ("Reacties", Role::Header),
            ("Комментарии", Role::Header),
            ("评论", Role::Header),
            ("最新评论", Role::Header),
            ("コメント", Role::Header),
            ("View all 27 comments", Role::Header),
            ("2 comments on “Issue 85”", Role::Header),
            ("Leave a Reply", Role::Prompt),
            ("Be the first to comment", Role::Prompt),
            ("You must be logged in to post a comment.", Role::Prompt),
            (
                "Pour participer aux discussions, identifiez-vous ou créez-vous un compte",
                Role::Prompt,
            ),
            ("Melden Sie sich an, um zu kommentieren", Role::Prompt),
            ("还没有评论，快来抢沙发吧！", Role::Prompt),
            ("Reply", Role::Action),
            ("12 likes", Role::Action),
            ("924Reply", Role::Action),
            ("Répondre", Role::Action),
            ("Ответить", Role::Action),
            ("回复", Role::Action),
            ("Retour en haut", Role::End),
            ("Back to top", Role::End),
            ("Related posts", Role::End),
            ("M.V.", Role::Short),
        ];
        for (line, want) in cases {
            assert_eq!(role(line), *want, "line {line:?}");
        }
    }

    #[test]
    fn article_sentences_about_comments_are_text() {
        let cases = [
            "The minister's comments drew criticism from the opposition on Tuesday.",
            "Ars is asking Mojang for comment and will update this post if officials respond.",
            "Les commentaires du ministre ont suscité de vives critiques dans l'opposition.",
            "Die Kommentare des Ministers sorgten am Dienstag für heftige Kritik.",
            "Los comentarios del ministro provocaron críticas de la oposición.",
            "Комментарии министра вызвали критику со стороны оппозиции.",
            "部长的评论引发了反对派的批评。",
            "Readers were asked to leave a comment on the council's website, and more than three hundred of them did so within a day.",
            "A spokeswoman declined to comment.",
        ];
        for c in cases {
            let r = role(c);
            assert!(
                matches!(r, Role::Text | Role::Short),
                "{c:?} classified {r:?}"
            );
        }
    }

    fn detect(page: &str) -> Vec<Span> {
        let doc = Document::new(page, 0);
        let mut out = Vec::new();
        detector().detect(&doc, &mut out);
        out
    }

    fn removed(page: &str) -> Vec<&str> {
        detect(page).iter().map(|s| &page[s.range()]).collect()
    }

    #[test]
    fn a_section_after_an_article() {
        let page = "Harbour closed\n\
            The harbour will stay closed until Friday, the port authority said.\n\
            Repairs will cost millions.\n\
            3 comments\n\
            Jane Doe\n\
            October 25, 2016 at 10:29 pm\n\
            They should have repaired the piers years ago.\n\
            Reply\n\
            John\n\
            October 26, 2016 at 8:02 am\n\
            Agreed, this was avoidable.\n\
            Reply\n\
            Back to top";
        let got = removed(page);
        assert_eq!(got.first(), Some(&"3 comments"));
        assert_eq!(got.last(), Some(&"Reply"));
        assert_eq!(got.len(), 9);
        let spans = detect(page);
        assert!(spans
            .iter()
            .all(|s| s.detector == NAME && s.label == Label::Comment));
        let rules: Vec<&str> = spans.iter().map(|s| s.rule.as_ref()).collect();
        assert_eq!(
            rules,
            [
                "header",
                "author",
                "timestamp",
                "comment_text",
                "action",
                "author",
                "timestamp",
                "comment_text",
                "action"
            ]
        );
    }

    #[test]
    fn a_lone_header_or_mention_is_not_a_section() {
        assert!(removed("Comments\nThe council met on Tuesday.\nThe vote was close.").is_empty());
        assert!(removed(
            "Title\nThe minister's comments drew criticism.\n3 comments\nShare\nBack to top"
        )
        .is_empty());
    }

    #[test]
    fn a_lone_prompt_is_a_section() {
        let page = "Body text of the article, long enough to be a sentence.\n\
            Pour participer aux discussions, identifiez-vous ou créez-vous un compte\nloader";
        assert_eq!(
            removed(page),
            ["Pour participer aux discussions, identifiez-vous ou créez-vous un compte"]
        );
    }

    #[test]
    fn a_dateline_does_not_pull_the_article_in() {
        let page = "Title\nMarch 3, 2016 at 10:00\n\
            First paragraph of the article, which is a sentence.\n\
            Second paragraph of the article, also a sentence.\n\
            John Smith\nMarch 3, 2016 at 12:55\nNo comments:\nPost a Comment";
        let got = removed(page);
        assert!(!got.iter().any(|l| l.contains("paragraph")), "{got:?}");
        assert_eq!(got.last(), Some(&"Post a Comment"));
    }

    #[test]
    fn never_panics_on_odd_input() {
        for page in [
            "",
            "\n\n",
            "Comments",
            "Reply\nReply\nReply",
            "评论\n3天前\n回复",
            "é\u{301}\n\u{300}\n2 hours ago\nReply",
        ] {
            let _ = detect(page);
        }
    }

    proptest::proptest! {
        #[test]
        fn digit_free_lines_hold_no_numeric_word(text in "[a-zA-Z0-9 .,é٣²]{0,40}") {
            let expected = text.is_ascii() && !text.bytes().any(|b| b.is_ascii_digit());
            proptest::prop_assert_eq!(ascii_digit_free(&text), expected);
            if ascii_digit_free(&text) {
                proptest::prop_assert!(!text.split(' ').any(numeric));
            }
        }

        /// The ASCII paths of `fold_line` fold as the char-by-char path would.
        #[test]
        fn fold_line_is_the_fold_of_each_char(text in "[ -~é\u{301}Ⅻ２ß]{0,40}") {
            let mut expected = String::new();
            let mut buf = [0u8; 4];
            for c in text.chars() {
                if c.is_alphanumeric() {
                    fold_word(c.encode_utf8(&mut buf), &mut expected);
                } else if !matches!(c as u32, 0x0300..=0x036F) {
                    expected.push(c);
                }
            }
            proptest::prop_assert_eq!(fold_line(&text), expected);
        }

        #[test]
        fn numeric_is_any_numeric_char(word in "[a-z0-9é٣²½漢]{0,12}") {
            proptest::prop_assert_eq!(numeric(&word), word.chars().any(char::is_numeric));
        }

        /// The byte search finds what `str::find` finds, over texts dense in the quotes and
        /// in other chars sharing their first bytes ('¢', '€', '〈', '…').
        #[test]
        fn find_quote_is_str_find(text in "[a \"“”«»「」‘’¢€〈…é]{0,40}") {
            proptest::prop_assert_eq!(find_quote(&text), text.find(QUOTES));
        }
    }
}
