//! The syntax of the top-level blocks while a project is lowered, and the memory strategy
//! behind it: which syntax is kept, which is dropped after parsing and parsed again on demand.
//!
//! Syntax trees are tens of times the size of their source, so the trees of a large project
//! must never all sit in memory beside the growing model. Each file is split right after it is
//! parsed, on its parser thread ([`prepare`]). Top-level attributes and the `app`, `variable`,
//! `locals` and `policy` blocks, whose expressions other blocks read, are kept for the whole
//! lowering ([`Outline`]). Every other block is lowered once ([`OnceSyntax`]): of those, only
//! the [`Header`] is kept unless `keep_others` (`compile` keeps them for the first files of each
//! parser thread's run, up to `KEEP_SYNTAX_BYTES` of source); a dropped file is parsed again,
//! with the same result, when its first block is lowered. Either way a block's syntax is freed
//! right after it is lowered, by the thread that lowers it ([`SyntaxRun`]).
//!
//! Lowering asks this module for the files' top-level items ([`Outline::items`]) and for each
//! declared block's syntax ([`OnceSyntax::block`], [`SyntaxRun::take`]); it never knows whether
//! a block was kept or parsed again.

use super::{header_span, label_str, sp};
use crate::diagnostics::{FileId, Span};
use crate::syntax::SourceMap;
use hcl_edit::structure::{Attribute, Block as HclBlock, Body, Structure};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

/// What declaring a block reads from its syntax: enough to declare a block whose syntax was
/// dropped after parsing (and is parsed again when it is lowered).
#[derive(Clone)]
pub struct Header {
    pub(super) ident: String,
    pub(super) ident_span: Span,
    pub(super) header: Span,
    pub(super) labels: usize,
    pub(super) first_label: Option<(String, Span)>,
}

impl Header {
    fn of(file: FileId, b: &HclBlock) -> Header {
        Header {
            ident: b.ident.value().to_string(),
            ident_span: sp(file, &b.ident),
            header: header_span(file, b),
            labels: b.labels.len(),
            first_label: b
                .labels
                .first()
                .map(|l| (label_str(l).to_string(), sp(file, l))),
        }
    }
}

/// `app`, `variable`, `locals`, `policy` and `module` blocks are kept for the whole lowering:
/// the other blocks' expressions refer to them (policies are evaluated last; a module's inputs
/// are evaluated once per instance).
fn is_kept(b: &HclBlock) -> bool {
    matches!(
        b.ident.value().as_str(),
        "app" | "variable" | "locals" | "policy" | "module"
    )
}

/// A top-level structure of a [`PreparedFile`].
enum Item {
    Attr(Box<Attribute>),
    Kept(HclBlock),
    /// Any other block: its header, and its syntax unless it was dropped.
    Other(Box<Header>, Option<HclBlock>),
}

/// One parsed file, split for lowering right after it was parsed (on the parser thread): the
/// `app`, `variable` and `locals` blocks and top-level attributes are kept; of the other
/// blocks only their headers are kept when `keep_others` is false, and their syntax is parsed
/// again, file by file, when they are lowered. So the syntax trees of all files are never in
/// memory at once.
pub struct PreparedFile {
    file: FileId,
    items: Vec<Item>,
    dropped: bool,
}

impl PreparedFile {
    pub fn file(&self) -> FileId {
        self.file
    }
}

/// Splits a parsed file for [`super::lower_prepared`] (see [`PreparedFile`]).
pub fn prepare(file: FileId, body: Body, keep_others: bool) -> PreparedFile {
    let mut items = Vec::new();
    let mut dropped = false;
    for st in body.into_iter() {
        items.push(match st {
            Structure::Attribute(a) => Item::Attr(Box::new(a)),
            Structure::Block(b) if is_kept(&b) => Item::Kept(b),
            Structure::Block(b) => {
                let h = Box::new(Header::of(file, &b));
                if keep_others {
                    Item::Other(h, Some(b))
                } else {
                    dropped = true;
                    Item::Other(h, None)
                }
            }
        });
    }
    PreparedFile {
        file,
        items,
        dropped,
    }
}

/// Where a declared block's syntax is: kept for the whole lowering, or in a slot of
/// [`OnceSyntax`], taken (and freed) when the block is lowered.
#[derive(Clone, Copy)]
pub(super) enum Src<'a> {
    Kept(&'a HclBlock),
    Slot(usize),
}

/// A top-level item of a file, as declaring sees it.
pub(super) enum TopItem<'a> {
    Attr(&'a Attribute),
    Block(Cow<'a, Header>, Src<'a>),
}

/// A top-level structure, in file order.
enum Top {
    Attr(Box<Attribute>),
    Kept(usize),
    /// A block lowered once (its syntax, when not dropped, is in a slot), with its header.
    Slot(usize, Box<Header>),
}

/// The syntax of a project while it is lowered, in two parts so that the kept syntax can be
/// borrowed for the whole lowering (by the declarations and the locals) while the syntax of
/// the other blocks is handed out and freed.
pub(super) struct SyntaxStore<'src> {
    pub(super) outline: Outline,
    pub(super) once: OnceSyntax<'src>,
}

/// Every file's top-level items in file order: the syntax of the blocks kept for the whole
/// lowering, the headers of the others.
pub(super) struct Outline {
    kept: Vec<HclBlock>,
    order: Vec<(FileId, Top)>,
    first_file: Option<FileId>,
}

/// The syntax of the blocks lowered once: in slots (in file order) while it was kept from
/// parsing, or parsed again from the source when it was dropped.
pub(super) struct OnceSyntax<'src> {
    slots: Vec<Option<HclBlock>>,
    /// Where dropped syntax is parsed again from.
    sources: Option<&'src SourceMap>,
    /// Dropped file → the range of its blocks' slots.
    dropped: BTreeMap<FileId, Range<usize>>,
    /// Every file, in order.
    files: Vec<FileId>,
}

impl<'src> SyntaxStore<'src> {
    /// Takes the top-level structures out of the prepared files. `sources` holds the text of
    /// the files whose blocks were dropped.
    pub(super) fn new(files: Vec<PreparedFile>, sources: Option<&'src SourceMap>) -> Self {
        let mut kept: Vec<HclBlock> = Vec::new();
        let mut slots: Vec<Option<HclBlock>> = Vec::new();
        let mut order: Vec<(FileId, Top)> = Vec::new();
        let mut dropped = BTreeMap::new();
        let file_ids: Vec<FileId> = files.iter().map(|pf| pf.file).collect();
        for pf in files {
            let first_slot = slots.len();
            for item in pf.items {
                match item {
                    Item::Attr(a) => order.push((pf.file, Top::Attr(a))),
                    Item::Kept(b) => {
                        kept.push(b);
                        order.push((pf.file, Top::Kept(kept.len() - 1)));
                    }
                    Item::Other(h, b) => {
                        slots.push(b);
                        order.push((pf.file, Top::Slot(slots.len() - 1, h)));
                    }
                }
            }
            if pf.dropped {
                dropped.insert(pf.file, first_slot..slots.len());
            }
        }
        SyntaxStore {
            outline: Outline {
                kept,
                order,
                first_file: file_ids.first().copied(),
            },
            once: OnceSyntax {
                slots,
                sources,
                dropped,
                files: file_ids,
            },
        }
    }
}

impl Outline {
    /// Every file's top-level items, in file order.
    pub(super) fn items(&self) -> impl Iterator<Item = (FileId, TopItem<'_>)> {
        self.order.iter().map(|(file, top)| {
            let item = match top {
                Top::Attr(a) => TopItem::Attr(a),
                Top::Kept(i) => {
                    let b = &self.kept[*i];
                    TopItem::Block(Cow::Owned(Header::of(*file, b)), Src::Kept(b))
                }
                Top::Slot(i, h) => TopItem::Block(Cow::Borrowed(&**h), Src::Slot(*i)),
            };
            (*file, item)
        })
    }

    /// The first file of the project.
    pub(super) fn first_file(&self) -> Option<FileId> {
        self.first_file
    }
}

/// Below this many declared blocks, lowering stays on one thread.
const PARALLEL_LOWERING_MIN_BLOCKS: usize = 512;

impl<'src> OnceSyntax<'src> {
    /// A declared block's syntax when it is at hand: a kept block, or a block whose syntax was
    /// kept from parsing and not taken yet (dropped syntax is only parsed again by a
    /// [`SyntaxRun`]).
    pub(super) fn block<'s>(&'s self, src: Src<'s>) -> Option<&'s HclBlock> {
        match src {
            Src::Kept(b) => Some(b),
            Src::Slot(i) => self.slots.get(i).and_then(Option::as_ref),
        }
    }

    /// Gives each declaration its own syntax, moved out of its slot, for lowering; `decls` are
    /// the declarations' files and syntax, in declaration order (which is file order). Blocks
    /// that were not declared keep theirs in their slot (until the store is dropped).
    pub(super) fn by_declaration<'a>(
        &mut self,
        decls: impl ExactSizeIterator<Item = (FileId, Src<'a>)>,
    ) -> DeclSyntax<'_> {
        // The blocks are lowered in runs of files, one per thread: the runs the parser threads
        // took (`syntax::worker_threads`, the same split). Each thread frees the syntax it has
        // lowered as it goes, so the model reuses the trees' memory: with glibc, memory freed
        // in the parser threads' arenas is only reused by threads allocating from those
        // arenas, which the lowering threads (started after the parsers ended) are.
        let chunk_of_file: BTreeMap<FileId, usize> = {
            let per = self
                .files
                .len()
                .div_ceil(crate::syntax::worker_threads())
                .max(1);
            self.files
                .iter()
                .enumerate()
                .map(|(i, &f)| (f, i / per))
                .collect()
        };
        let chunk_of = |f: FileId| chunk_of_file.get(&f).copied().unwrap_or(0);
        let n = decls.len();
        let mut syntax: Vec<Option<HclBlock>> = Vec::with_capacity(n);
        let mut slot_decl: Vec<Option<usize>> = vec![None; self.slots.len()];
        let mut bounds = vec![0];
        let mut prev_chunk = None;
        for (k, (file, src)) in decls.enumerate() {
            syntax.push(match src {
                Src::Kept(_) => None,
                Src::Slot(i) => {
                    slot_decl[i] = Some(k);
                    self.slots[i].take()
                }
            });
            let chunk = chunk_of(file);
            if prev_chunk.is_some_and(|c| c != chunk) && n >= PARALLEL_LOWERING_MIN_BLOCKS {
                bounds.push(k);
            }
            prev_chunk = Some(chunk);
        }
        bounds.push(n);
        DeclSyntax {
            syntax,
            slot_decl,
            bounds,
            sources: self.sources,
            dropped: &self.dropped,
        }
    }
}

/// The syntax of the declared blocks, one slot per declaration, handed out in runs of
/// consecutive declarations (see [`OnceSyntax::by_declaration`]).
pub(super) struct DeclSyntax<'s> {
    syntax: Vec<Option<HclBlock>>,
    /// Slot → the index of its declaration, when it declares a block.
    slot_decl: Vec<Option<usize>>,
    /// Where each run of declarations starts, then the number of declarations.
    bounds: Vec<usize>,
    sources: Option<&'s SourceMap>,
    dropped: &'s BTreeMap<FileId, Range<usize>>,
}

impl DeclSyntax<'_> {
    /// The runs of declarations to lower, each on its own thread (a file's declarations are in
    /// one run).
    pub(super) fn runs(&mut self) -> Vec<SyntaxRun<'_>> {
        let mut runs = Vec::with_capacity(self.bounds.len() - 1);
        let mut rest = &mut self.syntax[..];
        for w in self.bounds.windows(2) {
            let (s, r) = rest.split_at_mut(w[1] - w[0]);
            runs.push(SyntaxRun {
                first: w[0],
                syntax: s,
                slot_decl: &self.slot_decl,
                sources: self.sources,
                dropped: self.dropped,
                loaded: None,
            });
            rest = r;
        }
        runs
    }
}

/// The syntax of a run of consecutive declarations, taken block by block as they are lowered.
pub(super) struct SyntaxRun<'r> {
    first: usize,
    syntax: &'r mut [Option<HclBlock>],
    slot_decl: &'r [Option<usize>],
    sources: Option<&'r SourceMap>,
    dropped: &'r BTreeMap<FileId, Range<usize>>,
    /// The dropped file last parsed again.
    loaded: Option<FileId>,
}

/// A declared block's syntax, taken for lowering: a block lowered once is freed when this is
/// dropped. (Large, but there is one at a time, on the stack: boxing it would cost an
/// allocation per block.)
#[allow(clippy::large_enum_variant)]
pub(super) enum Taken<'a> {
    Kept(&'a HclBlock),
    Once(HclBlock),
}

impl std::ops::Deref for Taken<'_> {
    type Target = HclBlock;
    fn deref(&self) -> &HclBlock {
        match self {
            Taken::Kept(b) => b,
            Taken::Once(b) => b,
        }
    }
}

impl SyntaxRun<'_> {
    /// The indices of the run's declarations.
    pub(super) fn decls(&self) -> Range<usize> {
        self.first..self.first + self.syntax.len()
    }

    /// Takes the syntax of the run's `i`-th declaration (of `file`, at `src`). The syntax of a
    /// file whose blocks were dropped after parsing is parsed again when its first block is
    /// taken (a file's declarations are consecutive), and each declared block's syntax is put
    /// in its declaration's slot. `None` when the block's syntax is missing.
    pub(super) fn take<'a>(&mut self, i: usize, file: FileId, src: Src<'a>) -> Option<Taken<'a>> {
        match src {
            Src::Kept(b) => Some(Taken::Kept(b)),
            Src::Slot(_) => {
                if self.syntax[i].is_none() && self.loaded != Some(file) {
                    self.parse_again(file);
                }
                self.syntax[i].take().map(Taken::Once)
            }
        }
    }

    fn parse_again(&mut self, file: FileId) {
        let Some(range) = self.dropped.get(&file) else {
            return;
        };
        self.loaded = Some(file);
        let text = self.sources.map_or("", |s| s.text(file));
        let (pf, _) = crate::syntax::parse_file(file, text);
        let mut slot = range.start;
        for st in pf.body.into_iter() {
            let Structure::Block(b) = st else { continue };
            if is_kept(&b) {
                continue;
            }
            let k = self.slot_decl.get(slot).copied().flatten();
            slot += 1;
            if let Some(k) = k.and_then(|k| k.checked_sub(self.first)) {
                if let Some(s) = self.syntax.get_mut(k) {
                    *s = Some(b);
                }
            }
        }
    }
}
