//! Pass 5, **blocks**: every declared block is lowered ([`super::block`]), on as many threads
//! as the store hands out runs of declarations.

use super::block::{lower_block, lower_moved, ModuleMove, MovedItem};
use super::{Decl, Lowerer};
use crate::diagnostics::Diagnostic;
use crate::model::eval::Evaluator;
use crate::model::syntax_store::{OnceSyntax, SyntaxRun};
use crate::model::{Block, BlockKind, Moved, Value};

/// The stack of each extra lowering thread (as for the main one: evaluation recurses; only the
/// touched part is ever committed).
const LOWER_STACK_BYTES: usize = 256 << 20;

/// The lowered blocks, in declaration order.
pub(super) struct Lowered {
    /// Every block but `app`, `variable`, `locals` and `moved` ones.
    pub(super) blocks: Vec<Block>,
    /// The (first) `app` block.
    pub(super) app: Option<Block>,
    pub(super) moved: Vec<Moved>,
    /// `moved` blocks that rename module instances.
    pub(super) module_moves: Vec<ModuleMove>,
}

/// What one thread lowered, in declaration order.
struct LoweredPart {
    blocks: Vec<Block>,
    app: Option<Block>,
    moved: Vec<Moved>,
    module_moves: Vec<ModuleMove>,
    diags: Vec<Diagnostic>,
    /// The thread's evaluator's diagnostics (reported after every block's own).
    ev_diags: Vec<Diagnostic>,
}

/// What every block of one lowering is lowered with besides the evaluator.
#[derive(Clone, Copy)]
struct Cx<'d, 'a> {
    /// The app declaration (pass 3): the one `app` block lowered.
    app: Option<&'d Decl<'a>>,
    stage: &'d str,
    /// `--today`: a retired runtime's suggestion is the newest one supported that day.
    today: &'d str,
}

impl Lowerer<'_> {
    /// **Blocks** (pass 5): reads the declarations, their syntax (taken from the store, and
    /// freed, block by block), the evaluator (with every local evaluated) and the app
    /// declaration and stage (pass 3); produces the lowered blocks. The diagnostics are the
    /// blocks' own in declaration order, then the evaluators' (the locals', pass 4).
    pub(super) fn blocks(
        &mut self,
        decls: &[Decl],
        once: &mut OnceSyntax,
        ev: &mut Evaluator,
        app: Option<&Decl>,
        stage: &str,
    ) -> Lowered {
        let mut parts = {
            let mut syntax = once.by_declaration(decls.iter().map(|d| (d.file, d.src)));
            let cx = Cx {
                app,
                stage,
                today: &self.opts.today,
            };
            lower_runs(decls, syntax.runs(), ev, cx)
        };
        let mut out = Lowered {
            blocks: Vec::with_capacity(parts.iter().map(|p| p.blocks.len()).sum()),
            app: None,
            moved: Vec::new(),
            module_moves: Vec::new(),
        };
        for p in parts.iter_mut() {
            out.blocks.append(&mut p.blocks);
            out.moved.append(&mut p.moved);
            out.module_moves.append(&mut p.module_moves);
            self.diags.append(&mut p.diags);
            if out.app.is_none() {
                out.app = p.app.take();
            }
        }
        self.diags.append(&mut ev.diagnostics);
        for p in parts.iter_mut() {
            self.diags.append(&mut p.ev_diags);
        }
        out
    }
}

/// Lowers each run of declarations on its own thread (the first on this one, with `ev`; the
/// others with a fork of it). The results are in declaration order, so the output does not
/// depend on the number of threads.
fn lower_runs(
    decls: &[Decl],
    runs: Vec<SyntaxRun>,
    ev: &mut Evaluator,
    cx: Cx,
) -> Vec<LoweredPart> {
    let mut runs = runs.into_iter();
    let first = runs.next();
    // Each other run with its evaluator, taken by its thread — or, when the thread cannot start
    // (an address-space limit), by this one.
    let slots: Vec<std::sync::Mutex<Option<(SyntaxRun, Evaluator)>>> = runs
        .map(|run| std::sync::Mutex::new(Some((run, ev.fork()))))
        .collect();
    let lower_slot = |slot: &std::sync::Mutex<Option<(SyntaxRun, Evaluator)>>| {
        let taken = slot.lock().map(|mut s| s.take()).ok().flatten();
        let (run, mut wev) = taken.expect("each run is lowered once");
        lower_run(&decls[run.decls()], run, &mut wev, cx)
    };
    let lower_slot = &lower_slot;
    std::thread::scope(|scope| {
        let handles: Vec<_> = slots
            .iter()
            .map(|slot| {
                std::thread::Builder::new()
                    .name("slsc-lower-part".into())
                    .stack_size(LOWER_STACK_BYTES)
                    .spawn_scoped(scope, move || lower_slot(slot))
                    .ok()
            })
            .collect();
        let mut out = Vec::with_capacity(handles.len() + 1);
        if let Some(run) = first {
            out.push(lower_run(&decls[run.decls()], run, ev, cx));
        }
        for (h, slot) in handles.into_iter().zip(&slots) {
            out.push(match h {
                Some(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                None => lower_slot(slot),
            });
        }
        out
    })
}

/// Lowers a run of declarations, taking each one's syntax from the run (and freeing it once the
/// block is lowered).
fn lower_run(decls: &[Decl], mut run: SyntaxRun, ev: &mut Evaluator, cx: Cx) -> LoweredPart {
    let mut out = LoweredPart {
        blocks: Vec::new(),
        app: None,
        moved: Vec::new(),
        module_moves: Vec::new(),
        diags: Vec::new(),
        ev_diags: Vec::new(),
    };
    let diags = &mut out.diags;
    for (i, d) in decls.iter().enumerate() {
        // A block lowered once has its syntax taken here, and dropped at the end of the
        // iteration.
        let Some(block) = run.take(i, d.file, d.src) else {
            continue;
        };
        match d.kind {
            BlockKind::Variable => {}
            BlockKind::Locals => {}
            // Instantiated by the modules pass (pass 4).
            BlockKind::Module => {}
            BlockKind::Moved => match lower_moved(d, &block, diags) {
                Some(MovedItem::Block(m)) => out.moved.push(m),
                Some(MovedItem::Module(m)) => out.module_moves.push(m),
                None => {}
            },
            BlockKind::App => {
                if cx.app.is_some_and(|a| std::ptr::eq(a, d)) {
                    let mut b = lower_block(d, &block, ev, cx.today, diags);
                    if let Some(a) = b.attrs.get_mut("stage") {
                        a.value = Value::String(cx.stage.to_string());
                    }
                    out.app = Some(b);
                }
            }
            _ => out.blocks.push(lower_block(d, &block, ev, cx.today, diags)),
        }
        drop(block);
    }
    out.ev_diags = std::mem::take(&mut ev.diagnostics);
    out
}
