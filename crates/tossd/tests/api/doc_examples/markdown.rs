//! The fenced blocks of a Markdown page and what their info strings mark them as
//! (docs/CONTRIBUTING-docs.md).

/// Languages whose blocks are examples: each must be run, be an answer, or say why it is not run.
const EXAMPLE_LANGUAGES: &[&str] = &[
    "sh",
    "bash",
    "shell",
    "console",
    "json",
    "js",
    "javascript",
    "mjs",
    "node",
    "python",
    "py",
    "rust",
    "http",
];

/// How a runnable block is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    Bash,
    Node,
    Python,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    /// `sh tested`, `js tested`, `python tested`: run in order.
    Run(Runner),
    /// `json answer [STATUS]`: the answer of the block before (a curl call's body, or the output).
    JsonAnswer(Option<u16>),
    /// `text answer`: lines the output of the block before contains, in order.
    TextAnswer,
    /// `LANG save FILE`: written to FILE in the page's directory, for the blocks after it to use.
    Save(String),
    /// `LANG untested REASON`: shown, never run.
    Untested,
    /// A block that is no example (a diagram, a listing, output shown for reading).
    Display,
}

#[derive(Debug, Clone)]
pub struct Block {
    /// 1-based line of the opening fence.
    pub line: usize,
    pub info: String,
    pub mark: Mark,
    pub body: String,
}

#[derive(Debug)]
pub struct Page {
    /// Extra `tossd serve` flags from a `<!-- doc-examples serve: FLAGS -->` line.
    pub serve_flags: Vec<String>,
    pub blocks: Vec<Block>,
}

/// The page's blocks, or every marking mistake found (with its line).
pub fn parse(path: &str, text: &str) -> Result<Page, Vec<String>> {
    let mut serve_flags = Vec::new();
    let mut blocks = Vec::new();
    let mut problems = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((index, line)) = lines.next() {
        let trimmed = line.trim_start();
        if let Some(flags) = trimmed
            .strip_prefix("<!-- doc-examples serve:")
            .and_then(|rest| rest.trim_end().strip_suffix("-->"))
        {
            serve_flags.extend(flags.split_whitespace().map(str::to_owned));
            continue;
        }
        let ticks = trimmed.bytes().take_while(|b| *b == b'`').count();
        if ticks < 3 {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let fence = &trimmed[..ticks];
        let info = trimmed[ticks..].trim().to_owned();
        let mut body = String::new();
        let mut closed = false;
        for (_, inner) in lines.by_ref() {
            if inner.trim() == fence {
                closed = true;
                break;
            }
            let strip = inner.len() - inner.trim_start().len();
            body.push_str(&inner[strip.min(indent)..]);
            body.push('\n');
        }
        if !closed {
            problems.push(format!("{path}:{}: the block is never closed", index + 1));
        }
        match mark(&info) {
            Ok(mark) => blocks.push(Block {
                line: index + 1,
                info,
                mark,
                body,
            }),
            Err(problem) => problems.push(format!("{path}:{}: ```{info}: {problem}", index + 1)),
        }
    }
    // An answer belongs to the block right before it (or before the answers that follow that block).
    let mut answerable = false;
    for block in &blocks {
        match block.mark {
            Mark::Run(_) | Mark::Untested => answerable = true,
            Mark::JsonAnswer(_) | Mark::TextAnswer if !answerable => problems.push(format!(
                "{path}:{}: an answer must follow a `tested` or `untested` block",
                block.line
            )),
            Mark::JsonAnswer(_) | Mark::TextAnswer => {}
            Mark::Display | Mark::Save(_) => answerable = false,
        }
    }
    if problems.is_empty() {
        Ok(Page {
            serve_flags,
            blocks,
        })
    } else {
        Err(problems)
    }
}

fn mark(info: &str) -> Result<Mark, String> {
    let mut words = info.split_whitespace();
    let language = words.next().unwrap_or("");
    let rest: Vec<&str> = words.collect();
    let example = EXAMPLE_LANGUAGES.contains(&language);
    match rest.first().copied() {
        Some("tested") => match language {
            "sh" | "bash" | "shell" => Ok(Mark::Run(Runner::Bash)),
            "js" | "javascript" | "mjs" | "node" => Ok(Mark::Run(Runner::Node)),
            "python" | "py" => Ok(Mark::Run(Runner::Python)),
            _ => Err("only sh, js and python blocks can be run".into()),
        },
        Some("answer") => match (language, rest.get(1)) {
            ("json", None) => Ok(Mark::JsonAnswer(None)),
            ("json", Some(status)) => status
                .parse()
                .ok()
                .filter(|s| (100..600).contains(s))
                .map(|s| Mark::JsonAnswer(Some(s)))
                .ok_or_else(|| format!("{status:?} is not an HTTP status")),
            ("text", None) => Ok(Mark::TextAnswer),
            _ => Err("answers are `json answer [STATUS]` or `text answer`".into()),
        },
        Some("save") => match rest.as_slice() {
            [_, file] if !file.contains('/') && !file.starts_with('.') => {
                Ok(Mark::Save((*file).to_owned()))
            }
            _ => Err("`save FILE` names one file of the page's directory".into()),
        },
        Some("untested") if rest.len() > 1 => Ok(Mark::Untested),
        Some("untested") => Err("say why it is not run: `untested REASON`".into()),
        _ if example => Err(
            "mark it `tested`, `answer`, `save FILE` or `untested REASON` (docs/CONTRIBUTING-docs.md)"
                .into(),
        ),
        _ => Ok(Mark::Display),
    }
}

mod tests {
    use super::*;

    #[test]
    fn marks_are_read_from_info_strings() {
        let page = parse(
            "x.md",
            "<!-- doc-examples serve: --tls -->\n\
             ```sh tested\ncurl x\n```\n   ```json answer 404\n   {\"a\": 1}\n   ```\n\
             ````markdown\n```sh\n````\n```\nplain\n```\n```rust untested needs a crate\n```\n\
             ```js save toss.mjs\nexport const A = 1;\n```\n",
        )
        .unwrap();
        assert_eq!(page.serve_flags, ["--tls"]);
        let marks: Vec<&Mark> = page.blocks.iter().map(|b| &b.mark).collect();
        assert_eq!(
            marks,
            [
                &Mark::Run(Runner::Bash),
                &Mark::JsonAnswer(Some(404)),
                &Mark::Display,
                &Mark::Display,
                &Mark::Untested,
                &Mark::Save("toss.mjs".into()),
            ]
        );
        assert_eq!(page.blocks[1].body, "{\"a\": 1}\n");
        assert_eq!(page.blocks[2].body, "```sh\n");
    }

    #[test]
    fn unmarked_examples_and_orphan_answers_are_refused() {
        let problems = parse(
            "x.md",
            "```json answer\n{}\n```\n```sh\nls\n```\n```js untested\n```\n",
        )
        .unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("x.md:4: ```sh: mark it"));
        assert!(problems[1].starts_with("x.md:7: ```js untested: say why"));
        assert!(problems[2].starts_with("x.md:1: an answer must follow"));
    }
}
