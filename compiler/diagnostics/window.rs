//! The source a human-readable report shows, read in windows: miette asks for the lines around
//! each label, and [`Window`] answers from the source map's line index in time proportional to
//! the lines shown — not to the file's size — so rendering N diagnostics of a large file costs
//! N small windows, not N passes over the file. Answers are exactly miette's own (its algorithm
//! runs on the few lines around the span, and the results are shifted back), except that
//! columns count characters, as the JSON output's do, not bytes.

use crate::source::{FileId, SourceMap};
use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// The longest source line a report shows, in bytes, and the most lines one label may cover.
/// Beyond them the snippet is left out (a minified or generated line of megabytes would
/// otherwise be printed whole, and miette cannot lay out columns past 65,535).
const MAX_LINE_BYTES: usize = 1000;
const MAX_LINES: usize = 60;

/// Whether the lines of `span` (with one line of context on each side) are short and few
/// enough to show.
pub fn showable(sources: &SourceMap, text: &str, span: crate::source::Span) -> bool {
    let first = sources.line_of(span.file, span.start).saturating_sub(1);
    let last = sources.line_of(span.file, span.end.min(text.len())) + 1;
    if last - first > MAX_LINES {
        return false;
    }
    (first..=last).all(|l| {
        let Some(start) = sources.line_start(span.file, l) else {
            return true;
        };
        let end = sources
            .line_start(span.file, l + 1)
            .unwrap_or(text.len())
            .min(text.len());
        end.saturating_sub(start) <= MAX_LINE_BYTES
    })
}

/// One file's text, as miette reads it.
pub struct Window<'a> {
    pub name: &'a str,
    /// The file's text (with NUL bytes shown as spaces: same length, same offsets).
    pub text: &'a str,
    pub file: FileId,
    pub sources: &'a SourceMap,
}

impl std::fmt::Debug for Window<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Window").field("name", &self.name).finish()
    }
}

impl SourceCode for Window<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (start, len) = (span.offset(), span.len());
        if start > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first = self.sources.line_of(self.file, start);
        let last = self
            .sources
            .line_of(self.file, (start + len).min(self.text.len()));
        // Whole lines from the first context line before to two lines past the last one after
        // (miette's scan stops at the newline that ends the last context line).
        let base_line = first.saturating_sub(context_lines_before);
        let base = self.sources.line_start(self.file, base_line).unwrap_or(0);
        let end = self
            .sources
            .line_start(self.file, last + context_lines_after + 2)
            .unwrap_or(self.text.len())
            .min(self.text.len());
        let slice = &self.text.as_bytes()[base..end];
        let shifted = SourceSpan::new((start - base).into(), len);
        let c = <[u8] as SourceCode>::read_span(
            slice,
            &shifted,
            context_lines_before,
            context_lines_after,
        )?;
        let offset = c.span().offset() + base;
        let column = if context_lines_before == 0 {
            // Characters, not bytes, from the start of the line to the span.
            let line_start = self.sources.line_start(self.file, first).unwrap_or(0);
            self.text
                .get(line_start..start)
                .map_or(c.column(), |s| s.chars().count())
        } else {
            c.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            &self.text.as_bytes()[offset..offset + c.data().len()],
            SourceSpan::new(offset.into(), c.span().len()),
            c.line() + base_line,
            column,
            c.line_count() + base_line,
        )))
    }
}
