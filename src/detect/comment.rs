//! The `comment` detector: comment sections in plain text, in many languages.
//!
//! A scraped page often ends with its readers' comments: a header ("3 comments", "Commentaires
//! (12)", "Kommentare", "评论"), prompts ("Leave a reply", "Pour participer aux discussions,
//! identifiez-vous"), then each comment as a few lines: its text, its author, a timestamp
//! ("22 h 29, le 25 octobre 2016", "October 25, 2016 at 10:29 pm", "vor 2 Stunden"), tool lines
//! ("Reply", "Report", "12 likes"), sometimes the same comments twice (a preview, then the full
//! list, bulleted and indented). The detector labels the whole section `comment`, one span per
//! line, each naming its part (`header`, `prompt`, `timestamp`, `action`, `author`,
//! `comment_text`) and the section's evidence.
//!
//! # Algorithm
//!
//! 1. **Cues.** Each block (line) is classified once, in one pass:
//!    - `end`: a line that opens what follows a section ("Back to top", "Retour en haut",
//!      "Related posts", a copyright line);
//!    - `prompt`: a short line holding a call to comment, a login prompt or comment-form text
//!      ("be the first to comment", "you must be logged in to post a comment", "Cancel reply");
//!    - `action`: a line made only of per-comment actions and counts ("Reply", "12 likes",
//!      "Répondre Signaler");
//!    - `header`: a short line made only of a header noun, header words and numbers ("View all
//!      27 comments", "Comments (12)", "最新评论");
//!    - `timestamp`: a line that is a date or time, absolute or relative, plus at most
//!      `max_stamp_words` other words (an author, "wrote on"). Dates and times are matched by
//!      one regex built from the month, weekday, unit and relative-time lists of every
//!      language. A timestamp after a byline word ("By", "Par") dates the article, and one with
//!      no sentence or action within three lines is a list of links: both are weak;
//!    - `tool`: a very short line opening or closing with a moderation word ("Edit", "Share to
//!      Facebook", "Follow …");
//!    - `short` (up to 4 words, not a sentence: an author's name, a handle) and `text`.
//!
//!    Cues are lists per language in `src/lexicon/comment/<lang>.txt`, compiled once at first
//!    use; lines are matched on their folded words ([`crate::normalize`]), numbers as `#`.
//! 2. **Sections.** Anchors are headers, prompts and actions. From each anchor the section
//!    grows forward over structure lines (headers, prompts, actions, timestamps not weak) and
//!    the lines between them, and stops at an `end` line, after `max_gap` text blocks (or
//!    `max_gap_words` words) without structure, or after `max_skip` lines of any kind without
//!    structure. Until the section has shown a timestamp or an action, half of those limits
//!    hold, and a headline-like line (several words, no final stop) ends it. It grows backward the same way, but crosses text only once it has met an
//!    action line, so an article's dateline never pulls the article into its comments. The
//!    section ends on its last structure line; when its comments open with a timestamp
//!    (author and date, then text) the last comment's text follows it and is taken too.
//!    Anchors inside a scanned stretch are not scanned again: the whole pass is linear in the
//!    page.
//! 3. **Evidence.** A lone header word is not a section ("Comments" is also a menu entry):
//!    a section needs a prompt, or some text with a header and at least one timestamp or
//!    action, or (with no header) with two actions and two timestamps. Article sentences that mention comments ("The
//!    minister's comments drew criticism") are long, not headers, not prompts, so no section
//!    starts there; an article that quotes its readers has no header, prompt or reply lines.
//!
//! The score grows with the evidence (0.8 for a lone prompt or a header with one comment cue,
//! up to 0.95).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use regex::Regex;

use crate::config::CommentConfig;
use crate::detect::Detector;
use crate::document::{Document, Label, Span};
use crate::normalize::{fold_word, is_char_token, normalize};

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

/// Entries of every lexicon file, by section, all languages merged.
fn entries() -> BTreeMap<&'static str, Vec<&'static str>> {
    let mut out: BTreeMap<&'static str, Vec<&'static str>> = BTreeMap::new();
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
}

/// A line's cue form: its folded words joined by single spaces, letters and digits split
/// apart, every run of digits written `#` ("Comments (12)" → `comments #`, "924Reply" →
/// `# reply`).
fn cue_form(text: &str) -> String {
    let norm = normalize(text);
    let mut out = String::with_capacity(norm.len());
    for word in norm.split(' ').filter(|w| !w.is_empty()) {
        let mut prev: Option<bool> = None; // was the previous char a digit
        for c in word.chars() {
            let digit = c.is_ascii_digit();
            match prev {
                Some(true) if digit => continue,
                Some(p) if p == digit && !digit => {}
                _ => {
                    if !out.is_empty() {
                        out.push(' ');
                    }
                }
            }
            out.push(if digit { '#' } else { c });
            prev = Some(digit);
        }
    }
    out
}

/// The regex (over cue forms) of one lexicon phrase: its words folded, `#` a number, `*` up
/// to three words. `None` for an entry with no words.
fn phrase_regex(entry: &str) -> Option<String> {
    let mut out = String::new();
    let mut pending_any = false;
    let mut words = 0;
    for part in entry.split_whitespace() {
        if part == "*" {
            pending_any = words > 0;
            continue;
        }
        let cue = if part == "#" {
            "#".to_string()
        } else {
            cue_form(part)
        };
        for w in cue.split(' ').filter(|w| !w.is_empty()) {
            if words > 0 {
                out.push(' ');
            }
            if pending_any {
                out.push_str(r"(?:\S+ ){0,3}");
                pending_any = false;
            }
            if w == "#" {
                out.push('#');
            } else {
                out.push_str(&regex::escape(w));
            }
            words += 1;
        }
    }
    (words > 0).then_some(out)
}

/// An alternation of phrase regexes, longest first, duplicates removed.
fn alternation(entries: &[&str], to_regex: impl Fn(&str) -> Option<String>) -> String {
    let mut parts: Vec<String> = entries.iter().filter_map(|e| to_regex(e)).collect();
    parts.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    parts.dedup();
    if parts.is_empty() {
        // Matches nothing: a lexicon without this section.
        return r"[^\s\S]".to_string();
    }
    parts.join("|")
}

/// Folds a line for timestamp matching: letters and digits folded as words are
/// (lower case, accents removed), everything else kept, accents of decomposed text dropped.
fn fold_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for c in text.chars() {
        if c.is_alphanumeric() {
            fold_word(c.encode_utf8(&mut buf), &mut out);
        } else if !matches!(c as u32, 0x0300..=0x036F) {
            out.push(c);
        }
    }
    out
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(is_char_token)
}

/// The regex (over folded lines) of a literal timestamp word or phrase: folded, its words
/// joined by any run of non-word chars ("a l'instant" matches "à l’instant").
fn literal_regex(entry: &str) -> Option<String> {
    let folded = fold_line(entry);
    let words: Vec<String> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(regex::escape)
        .collect();
    (!words.is_empty()).then(|| words.join(r"[^\p{L}\p{N}]+"))
}

/// A relative-time template (`N U ago`, `il y a N U`, `N U前`) as a regex.
fn template_regex(template: &str, number: &str, unit: &str) -> Option<String> {
    let cjk = has_cjk(template);
    let parts: Vec<&str> = template.split_whitespace().collect();
    if !parts.iter().any(|p| p.starts_with('U')) {
        return None;
    }
    let mut out = String::new();
    let mut prev: Option<&str> = None;
    for part in &parts {
        if let Some(p) = prev {
            let tight = cjk || (p == "N" && *part == "U");
            out.push_str(if tight { r"\s*" } else { r"\s+" });
        }
        match *part {
            "N" => out.push_str(&format!("(?:{number})")),
            "U" => out.push_str(&format!("(?:{unit})")),
            lit => {
                // A CJK template may glue the unit to a literal: `U前`.
                if let Some(rest) = lit.strip_prefix('U').filter(|r| has_cjk(r)) {
                    out.push_str(&format!(r"(?:{unit})\s*"));
                    out.push_str(&literal_regex(rest)?);
                } else {
                    out.push_str(&literal_regex(lit)?);
                }
            }
        }
        prev = Some(part);
    }
    Some(if cjk { out } else { format!(r"\b{out}\b") })
}

/// The compiled cues.
#[derive(Debug)]
struct Lexicon {
    header: Regex,
    prompt: Regex,
    action: Regex,
    end: Regex,
    byline: Regex,
    moderation: Vec<String>,
    stamp: Regex,
}

fn build(entries: &BTreeMap<&'static str, Vec<&'static str>>) -> Result<Lexicon, regex::Error> {
    let get = |k: &str| entries.get(k).map_or(&[][..], Vec::as_slice);
    let alt = |k: &str| alternation(get(k), phrase_regex);
    let (noun, word, action) = (alt("header"), alt("header_word"), alt("action"));
    let header = Regex::new(&format!(
        r"^(?:(?:{word}|#) )*(?:{noun})(?: (?:{word}|{noun}|#))*$"
    ))?;
    let action = Regex::new(&format!(
        r"^(?:(?:{action}|#) )*(?:{action})(?: (?:{action}|#))*$"
    ))?;
    let prompt = Regex::new(&format!(r"(?:^| )(?:{})(?: |$)", alt("prompt")))?;
    let end = Regex::new(&format!(r"^(?:{})(?: |$)", alt("end")))?;
    let byline = Regex::new(&format!(r"^(?:{})(?: |$)", alt("byline")))?;
    let moderation = get("moderation").iter().map(|m| cue_form(m)).collect();

    // Timestamps, over folded lines.
    let lit = |k: &str| alternation(get(k), literal_regex);
    let (month, weekday, unit) = (lit("month"), lit("weekday"), lit("unit"));
    let number = format!(r"\d+|{}", lit("quantity"));
    let wd = format!(r"(?:\b(?:{weekday})\b\.?,?\s*)?");
    let conn = format!(r"(?:,?\s*(?:{})\b)?", lit("connector"));
    let mut pieces = vec![
        // 25 octobre 2016, 25. Oktober, 25 de octubre de 2016, 21 Nov 2017
        format!(
            r"{wd}\b\d{{1,2}}(?:st|nd|rd|th|er|e|o|º|\.)?\s*(?:de\s+)?(?:{month})\b\.?(?:,?\s*(?:de\s+|del\s+)?\d{{4}}\b)?{conn}"
        ),
        // October 25, 2016; March 11th, 2015
        format!(r"{wd}\b(?:{month})\b\.?\s*\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s*\d{{4}}\b)?{conn}"),
        // 25/10/2016, 3/09/15, 25.10.2016, 2016-10-25
        r"\b\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})\b".to_string(),
        r"\b\d{4}[./-]\d{1,2}[./-]\d{1,2}\b".to_string(),
        // 10:29, 10:29:05 pm, 8am, 22 h 29, 22.29 Uhr
        r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?\s?m\b\.?)?".to_string(),
        r"\b\d{1,2}\s*[ap]\.?\s?m\b\.?".to_string(),
        r"\b\d{1,2}\s?h\s?\d{2}\b".to_string(),
        r"\b\d{1,2}(?:[.:]\d{2})?\s*uhr\b".to_string(),
    ];
    // 2016年10月25日, 10月25日, 22時29分
    for ymd in get("ymd") {
        if let [y, m, d] = ymd.split_whitespace().collect::<Vec<_>>()[..] {
            let (y, m, d) = (regex::escape(y), regex::escape(m), regex::escape(d));
            pieces.push(format!(
                r"\d{{2,4}}\s*{y}\s*\d{{1,2}}\s*{m}(?:\s*\d{{1,2}}\s*{d})?|\d{{1,2}}\s*{m}\s*\d{{1,2}}\s*{d}"
            ));
        }
    }
    for hm in get("hm") {
        if let [h, m] = hm.split_whitespace().collect::<Vec<_>>()[..] {
            let (h, m) = (regex::escape(h), regex::escape(m));
            pieces.push(format!(r"\d{{1,2}}\s*{h}\s*\d{{1,2}}\s*{m}"));
        }
    }
    // 2 hours ago, il y a 3 jours, vor 2 Stunden, 3天前
    for t in get("ago") {
        if let Some(r) = template_regex(t, &number, &unit) {
            pieces.push(r);
        }
    }
    for now in get("now") {
        if let Some(r) = literal_regex(now) {
            pieces.push(if has_cjk(now) { r } else { format!(r"\b{r}\b") });
        }
    }
    let stamp = Regex::new(&pieces.join("|"))?;
    Ok(Lexicon {
        header,
        prompt,
        action,
        end,
        byline,
        moderation,
        stamp,
    })
}

/// The cues, compiled once. `None` only if a lexicon file breaks the regex syntax, which the
/// unit tests rule out; the detector then finds nothing rather than panic.
fn lexicon() -> Option<&'static Lexicon> {
    static LEXICON: OnceLock<Option<Lexicon>> = OnceLock::new();
    LEXICON.get_or_init(|| build(&entries()).ok()).as_ref()
}

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
    role: Role,
    words: usize,
    /// A sentence (ends with a stop) or a long line.
    prose: bool,
    /// A bulleted or indented line.
    item: bool,
    /// A timestamp after a byline word.
    byline: bool,
    /// A timestamp with a comment text or action nearby (set after classification).
    strong_stamp: bool,
}

fn ends_sentence(text: &str) -> bool {
    let t = text.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | '”' | '’' | '»' | ')' | ']' | '」' | '）')
    });
    if !t.ends_with(['.', '!', '?', '…', '。', '！', '？']) {
        return false;
    }
    // "M.V.", "J. Smith Jr." end with an initial's stop, not a sentence's.
    let body = t.trim_end_matches(['.', '!', '?', '…', '。', '！', '？']);
    let last_word = body
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    !(t.ends_with('.') && last_word.chars().count() == 1 && !has_cjk(last_word))
}

fn is_item(text: &str, indented: bool) -> bool {
    indented
        || text.starts_with(['•', '·', '▪', '◦', '‣', '●', '-', '–', '—', '*'])
            && text.chars().nth(1).is_some_and(char::is_whitespace)
}

/// Removes quoted titles from a header line ("2 comments on “Issue 85”" → "2 comments on").
fn strip_quoted(text: &str) -> &str {
    match text.find(['“', '"', '«', '「', '‘']) {
        Some(i) if i > 0 => &text[..i],
        _ => text,
    }
}

/// The words of `folded` outside the timestamp matches, and the matched text.
fn stamp_residue<'t>(lex: &Lexicon, folded: &'t str) -> Option<(usize, Vec<&'t str>)> {
    let matches: Vec<(usize, usize)> = lex
        .stamp
        .find_iter(folded)
        .map(|m| (m.start(), m.end()))
        .filter(|(s, e)| folded[*s..*e].chars().any(char::is_alphanumeric))
        .collect();
    if matches.is_empty() {
        return None;
    }
    let residue = crate::normalize::words(folded)
        .into_iter()
        .filter(|&(s, e)| !matches.iter().any(|&(ms, me)| s < me && ms < e))
        .count();
    let texts = matches.iter().map(|&(s, e)| folded[s..e].trim()).collect();
    Some((residue, texts))
}

fn classify(lex: &Lexicon, cfg: &CommentConfig, doc: &Document<'_>, i: usize) -> Line {
    let block = doc.blocks()[i];
    let text = doc.block_text(i);
    let words = doc.tokens(i).len();
    let prose = words >= PROSE_WORDS || (words >= 2 && ends_sentence(text));
    let item = is_item(text, block.start > block.line_start);
    let mut line = Line {
        role: Role::Text,
        words,
        prose,
        item,
        byline: false,
        strong_stamp: false,
    };
    let longest = [
        MAX_END_WORDS,
        cfg.max_prompt_words,
        cfg.max_header_words,
        cfg.max_stamp_words + 8,
    ]
    .into_iter()
    .max()
    .unwrap_or(0);
    if words == 0 || words > longest {
        return line;
    }
    let cue = cue_form(text);
    let role = if text.starts_with('©') || (words <= MAX_END_WORDS && lex.end.is_match(&cue)) {
        Role::End
    } else if words <= cfg.max_prompt_words && lex.prompt.is_match(&cue) {
        Role::Prompt
    } else if words <= MAX_ACTION_WORDS && lex.action.is_match(&cue) {
        Role::Action
    } else if words <= cfg.max_header_words && lex.header.is_match(&cue_form(strip_quoted(text))) {
        Role::Header
    } else if stamp_residue(lex, &fold_line(text))
        .is_some_and(|(residue, _)| residue <= cfg.max_stamp_words)
    {
        line.byline = lex.byline.is_match(&cue);
        Role::Stamp
    } else if words <= MAX_TOOL_WORDS && {
        let first = cue.split(' ').next().unwrap_or("");
        let last = cue.rsplit(' ').next().unwrap_or("");
        lex.moderation.iter().any(|m| m == first || m == last)
    } {
        Role::Tool
    } else if words <= MAX_SHORT_WORDS && !prose {
        Role::Short
    } else {
        Role::Text
    };
    line.role = role;
    line
}

/// Marks the timestamps that belong to comments: a sentence or an action within
/// [`STAMP_REACH`] blocks, not across an `end` line, and not a byline.
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

    /// Shown a comment's own structure (a timestamp or an action): the section's wider
    /// limits apply.
    fn established(&self) -> bool {
        self.actions + self.stamps > 0
    }

    /// Enough evidence for a section; `texts` is the number of text lines in it.
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
}

impl CommentDetector {
    /// A detector with `config` (assumed validated).
    #[must_use]
    pub fn new(config: CommentConfig) -> Self {
        Self { config }
    }

    fn strong(line: &Line) -> bool {
        matches!(line.role, Role::Header | Role::Prompt | Role::Action)
            || (line.role == Role::Stamp && line.strong_stamp)
    }

    /// Limits (text blocks, words, lines) between two structure lines.
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

    /// Grows a section forward from the anchor `a`; returns its last block and evidence.
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
                // Before the first comment cue, only comment-like text is crossed: a headline
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

    /// Grows a section backward from the anchor `a`, not before `lo`; returns its first block.
    fn backward(&self, lines: &[Line], a: usize, lo: usize, counts: &mut Counts) -> usize {
        let mut first = a;
        let mut seen_action = lines[a].role == Role::Action;
        let (mut gap, mut gap_words, mut skip) = (0, 0, 0);
        for j in (lo..a).rev() {
            let l = &lines[j];
            if l.role == Role::End {
                break;
            }
            if Self::strong(l) {
                first = j;
                counts.add(l.role);
                seen_action |= l.role == Role::Action;
                (gap, gap_words, skip) = (0, 0, 0);
                continue;
            }
            // Before an action is met, only structure lines right above are taken.
            if !seen_action {
                break;
            }
            let (max_gap, max_words, max_skip) = self.limits(true);
            skip += 1;
            if l.role == Role::Text {
                gap += 1;
                gap_words += l.words;
            }
            if gap > max_gap || gap_words > max_words || skip > max_skip {
                break;
            }
        }
        // An author's name just above the first timestamp.
        if first > lo && lines[first].role == Role::Stamp && lines[first - 1].role == Role::Short {
            first -= 1;
        }
        first
    }

    /// When comments open with their timestamp (author and date, then text), the last
    /// comment's text follows the section's last structure line: returns the new end.
    fn tail(&self, lines: &[Line], sec: &Section) -> usize {
        let end = sec.end;
        if lines[end].role != Role::Stamp || sec.counts.stamps < 2 {
            return end;
        }
        // Longest run of text between two structure lines, and whether the first comment
        // structure after the section's header comes before any text.
        let mut run = 0;
        let mut longest = 0;
        let mut stamp_first = None;
        for l in &lines[sec.start..=end] {
            if Self::strong(l) {
                if stamp_first.is_none() && l.role == Role::Stamp {
                    stamp_first = Some(true);
                }
                longest = longest.max(run);
                run = 0;
            } else if l.role == Role::Text {
                if stamp_first.is_none() {
                    stamp_first = Some(false);
                }
                run += 1;
            }
        }
        if stamp_first != Some(true) || longest == 0 {
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
            let lo = out.last().map_or(0, |s| s.end + 1);
            let mut counts = Counts::default();
            counts.add(lines[a].role);
            let end = self.forward(lines, a, &mut counts);
            let start = self.backward(lines, a, lo.max(next), &mut counts);
            next = end + 1;
            let texts = lines[start..=end]
                .iter()
                .filter(|l| l.role == Role::Text)
                .count();
            if !counts.accepted(texts) {
                continue;
            }
            let mut sec = Section { start, end, counts };
            sec.end = self.tail(lines, &sec);
            next = sec.end + 1;
            out.push(sec);
        }
        out
    }
}

/// The rule naming a line's part in its section.
fn rule(lines: &[Line], i: usize) -> &'static str {
    let stamp_near = |j: Option<usize>| {
        j.and_then(|j| lines.get(j))
            .is_some_and(|l| l.role == Role::Stamp)
    };
    match lines[i].role {
        Role::Header => "header",
        Role::Prompt => "prompt",
        Role::Action => "action",
        Role::Tool => "tool",
        Role::Stamp => "timestamp",
        Role::Short if stamp_near(i.checked_sub(1)) || stamp_near(Some(i + 1)) => "author",
        Role::End | Role::Short | Role::Text => "comment_text",
    }
}

impl Detector for CommentDetector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, doc: &Document<'_>, out: &mut Vec<Span>) {
        if !self.config.enabled || doc.blocks().is_empty() {
            return;
        }
        let Some(lex) = lexicon() else { return };
        let mut lines: Vec<Line> = (0..doc.blocks().len())
            .map(|i| classify(lex, &self.config, doc, i))
            .collect();
        mark_strong_stamps(&mut lines);
        for sec in self.sections(&lines) {
            let c = sec.counts;
            let summary = format!(
                "comment section of {} lines: {} headers, {} prompts, {} timestamps, {} actions",
                sec.end + 1 - sec.start,
                c.headers,
                c.prompts,
                c.stamps,
                c.actions
            );
            let score = c.score();
            for i in sec.start..=sec.end {
                let block = doc.blocks()[i];
                let rule = rule(&lines, i);
                let mut evidence = String::new();
                if rule == "timestamp" {
                    let folded = fold_line(doc.block_text(i));
                    if let Some((_, texts)) = stamp_residue(lex, &folded) {
                        let _ = write!(evidence, "{:?} in ", texts.join(" "));
                    }
                }
                evidence.push_str(&summary);
                out.push(Span {
                    start: block.start,
                    end: block.end,
                    label: Label::Comment,
                    score,
                    detector: NAME.to_string(),
                    rule: rule.to_string(),
                    evidence,
                    copies: Vec::new(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex() -> &'static Lexicon {
        build(&entries()).unwrap();
        lexicon().unwrap()
    }

    fn is_stamp(line: &str) -> bool {
        stamp_residue(lex(), &fold_line(line))
            .is_some_and(|(r, _)| r <= CommentConfig::default().max_stamp_words)
    }

    fn roles(page: &str) -> Vec<Role> {
        let doc = Document::new(page, 0);
        let cfg = CommentConfig::default();
        (0..doc.blocks().len())
            .map(|i| classify(lex(), &cfg, &doc, i).role)
            .collect()
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
        CommentDetector::new(CommentConfig::default()).detect(&doc, &mut out);
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
        let rules: Vec<&str> = spans.iter().map(|s| s.rule.as_str()).collect();
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
}
