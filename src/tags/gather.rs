//! From the settings and the paths to the tag block: which directories are read, every file's
//! tags put together, and the text Claude is given.

use std::path::{Path, PathBuf};

use super::extract::{Section, extract};
use super::model::{Block, Tag, arrange};
use super::settings::TagsSettings;
use super::sources::{self, Listing, Loaded, Origin, Skipped};
use crate::app::Ctx;

/// Everything known about the sources after reading them.
#[derive(Debug, Clone)]
pub struct Gathered {
    pub fingerprint: String,
    pub content_hash: String,
    pub files: Vec<String>,
    pub skipped: Vec<Skipped>,
    /// Deduplicated, in priority order, before the budget.
    pub tags: Vec<Tag>,
    /// Mapped sections per file (`(file, section)`).
    pub sections: Vec<(String, Section)>,
    /// Mapping values that are not `TYPE:category`.
    pub mapping_problems: Vec<String>,
    /// The source directories, as shown to people.
    pub dirs: Vec<String>,
}

/// The directories read: the user's `.context`, then the project's `.claude/sfp/context`.
pub(super) fn source_dirs(ctx: &Ctx, settings: &TagsSettings) -> Vec<(Origin, PathBuf)> {
    let mut dirs = vec![(Origin::User, ctx.paths.context_dir.clone())];
    if settings.project_context
        && let Some(dir) = ctx.paths.project_config_dir()
    {
        dirs.push((Origin::Project, dir.join("context")));
    }
    dirs
}

/// What, besides the files, decides the tags: the settings and sfp's version.
pub(super) fn salt(settings: &TagsSettings) -> String {
    format!(
        "sfp {} {:?} {:?} {}",
        env!("CARGO_PKG_VERSION"),
        settings.sections,
        settings.max_item(),
        settings.project_context
    )
}

/// `~/…` for paths under the home directory.
pub(super) fn shower(ctx: &Ctx) -> impl Fn(&Path) -> String + '_ {
    move |path: &Path| {
        if let Some(home) = &ctx.env.home
            && let Ok(rest) = path.strip_prefix(home)
        {
            return format!("~/{}", rest.display());
        }
        path.display().to_string()
    }
}

/// One context file tags would use: where it is, how it is shown, whether it holds only
/// whitespace.
#[derive(Debug, Clone)]
pub(crate) struct ContextFile {
    pub path: PathBuf,
    pub display: String,
    pub blank: bool,
}

/// The context files exactly as tags finds and reads them: those read, and those skipped with
/// why. `sfp health` counts and checks the same files through this.
pub(crate) fn context_files(ctx: &Ctx) -> (Vec<ContextFile>, Vec<Skipped>) {
    let (settings, _) = ctx.config.section::<TagsSettings>("tags");
    let mut read = Vec::new();
    let (_, skipped) = list(ctx, &settings).read_each(&salt(&settings), |file: Loaded| {
        read.push(ContextFile {
            blank: file.text.trim().is_empty(),
            path: file.path,
            display: file.display,
        });
    });
    (read, skipped)
}

/// Lists the sources (metadata only).
pub(super) fn list(ctx: &Ctx, settings: &TagsSettings) -> Listing {
    sources::list(&source_dirs(ctx, settings), &shower(ctx))
}

/// Lists, reads and extracts every source.
pub(super) fn gather(ctx: &Ctx, settings: &TagsSettings) -> Gathered {
    from_listing(ctx, &list(ctx, settings), settings)
}

/// Reads and extracts the files of `listing`.
pub(super) fn from_listing(ctx: &Ctx, listing: &Listing, settings: &TagsSettings) -> Gathered {
    let salt = salt(settings);
    let (mapping, mapping_problems) = settings.mapping();
    let mut tags = Vec::new();
    let mut sections = Vec::new();
    let mut files = Vec::new();
    let (content_hash, skipped) = listing.read_each(&salt, |file: Loaded| {
        let found = extract(
            &file.text,
            &file.display,
            &file.stem,
            &mapping,
            settings.max_item(),
        );
        tags.extend(found.tags);
        sections.extend(
            found
                .sections
                .into_iter()
                .map(|s| (file.display.clone(), s)),
        );
        files.push(file.display);
    });
    let show = shower(ctx);
    Gathered {
        fingerprint: listing.fingerprint(&salt),
        content_hash,
        files,
        skipped,
        tags: arrange(tags),
        sections,
        mapping_problems,
        dirs: listing.dirs.iter().map(|(_, d)| show(d)).collect(),
    }
}

impl Gathered {
    /// Every tag line, before the budget.
    pub fn lines(&self) -> Vec<String> {
        self.tags.iter().map(Tag::render).collect()
    }

    /// The tag lines that fit in `budget` (lowered so that the whole injection stays under
    /// Claude Code's 10,000-character cap).
    pub fn block(&self, budget: usize) -> Block {
        let room = crate::hook::MAX_TEXT_CHARS.saturating_sub(self.header().chars().count() + 500);
        Block::fill(self.lines(), budget.min(room))
    }

    /// The whole block as given at SessionStart, phrased as facts; `None` when there are no
    /// tags.
    pub fn injection(&self, budget: usize) -> Option<String> {
        if self.tags.is_empty() {
            return None;
        }
        Some(format!(
            "{}\n{}",
            self.header(),
            self.block(budget).render()
        ))
    }

    fn header(&self) -> String {
        let used: Vec<&str> = self
            .dirs
            .iter()
            .map(String::as_str)
            .filter(|d| self.files.iter().any(|f| f.starts_with(d)))
            .collect();
        format!(
            "The user's standing context, from their context files ({}), as tags: \
             K = knowledge about the user and their work, U = the user's rules and preferences, \
             C = constraints and triggers. Rules and constraints come first.",
            used.join(" and ")
        )
    }
}
