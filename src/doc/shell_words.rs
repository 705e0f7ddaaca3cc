//! A small POSIX-shell word splitter for the commands in the docs' ```sh blocks:
//! [`split_commands`] turns text into [`Command`]s of words, handling single and double
//! quotes, backslash escapes, `\` line continuations, comments, `;`/`&&`/`||` separators and
//! `|` pipelines, and here-documents (`cat <<EOF > app.py`: the lines up to `EOF` are the
//! command's input, not commands). It does not expand anything: `$VAR`, `${VAR}` and `$(…)`
//! stay as written, because docflow keeps them as template variables.

/// One simple command (with the later stages of its pipeline, if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The words of the first stage: `curl`, `-X`, `POST`, …
    pub words: Vec<String>,
    /// Later pipeline stages (`| jq -r .id`), each as its words.
    pub pipeline: Vec<Vec<String>>,
    /// 1-based line (inside the text given) where the command starts.
    pub line: usize,
}

/// A problem in the shell text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellError {
    /// 1-based line (inside the text given) where the problem starts.
    pub line: usize,
    /// A lowercase fragment.
    pub message: String,
}

/// Words that open a compound command (`for … do … done`, `if … then … fi`).
const COMPOUND_OPENERS: &[&str] = &["for", "while", "until", "if", "case", "select"];

/// Words that close one.
const COMPOUND_CLOSERS: &[&str] = &["done", "fi", "esac"];

/// Splits `text` into commands; a compound command (`for _ in {1..6}; do curl …; done`) is
/// one command whose words are its parts' words joined by `;`.
pub fn split_commands(text: &str) -> Result<Vec<Command>, ShellError> {
    let simple = Splitter {
        chars: text.chars().collect(),
        pos: 0,
        line: 1,
        pending: Vec::new(),
        delimiter_next: None,
    }
    .run()?;
    Ok(group_compounds(simple))
}

impl Command {
    /// The word that opens the compound command this is or pipes into (`for`, `while`, `if`,
    /// …), if it is one.
    pub fn compound_opener(&self) -> Option<&str> {
        stage_starts(self).find(|w| COMPOUND_OPENERS.contains(w))
    }
}

/// The words that start `command` or one of its pipeline stages, after the keywords that
/// only continue a compound command (`do for b in …` starts a nested `for`).
fn stage_starts(command: &Command) -> impl Iterator<Item = &str> {
    std::iter::once(&command.words)
        .chain(&command.pipeline)
        .filter_map(|stage| {
            stage
                .iter()
                .map(String::as_str)
                .find(|w| !matches!(*w, "do" | "then" | "else" | "elif" | "!"))
        })
}

/// Merges the parts of each compound command into one command, from the part that opens it
/// to the one that closes it (or the end of the text, when it is never closed).
fn group_compounds(commands: Vec<Command>) -> Vec<Command> {
    let mut out: Vec<Command> = Vec::new();
    let mut depth = 0usize;
    for command in commands {
        let opens = stage_starts(&command)
            .filter(|w| COMPOUND_OPENERS.contains(w))
            .count();
        let closes = stage_starts(&command)
            .filter(|w| COMPOUND_CLOSERS.contains(w))
            .count();
        match out.last_mut() {
            Some(group) if depth > 0 => {
                group.words.push(";".to_owned());
                group.words.extend(command.words);
                group.pipeline = command.pipeline;
            }
            _ => out.push(command),
        }
        depth = (depth + opens).saturating_sub(closes);
    }
    out
}

struct Splitter {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    /// Here-documents opened on the current line, read once it ends: each delimiter, and
    /// whether leading tabs are stripped (`<<-`).
    pending: Vec<(String, bool)>,
    /// After a bare `<<` or `<<-`: the next word is the delimiter (`true`: strip tabs).
    delimiter_next: Option<bool>,
}

/// What ended a word or a command.
enum Token {
    /// A word and the line it starts on.
    Word(String, usize),
    /// `;`, `&&`, `||`, `&` or an unescaped newline.
    End,
    /// `|`.
    Pipe,
}

impl Splitter {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn run(mut self) -> Result<Vec<Command>, ShellError> {
        let mut commands = Vec::new();
        let mut stages: Vec<Vec<String>> = vec![Vec::new()];
        let mut start_line = None;
        loop {
            let token = self.next_token()?;
            if matches!(token, Some(Token::End)) && self.at_line_start() {
                self.skip_heredocs();
            }
            match token {
                Some(Token::Word(word, line)) => {
                    start_line.get_or_insert(line);
                    self.note_heredoc(&word);
                    if let Some(stage) = stages.last_mut() {
                        stage.push(word);
                    }
                }
                Some(Token::Pipe) => stages.push(Vec::new()),
                Some(Token::End) | None => {
                    let ended = token.is_none();
                    let mut taken = std::mem::replace(&mut stages, vec![Vec::new()]);
                    taken.retain(|s| !s.is_empty());
                    if !taken.is_empty() {
                        let words = taken.remove(0);
                        commands.push(Command {
                            words,
                            pipeline: taken,
                            line: start_line.unwrap_or(self.line),
                        });
                    }
                    start_line = None;
                    if ended {
                        return Ok(commands);
                    }
                }
            }
        }
    }

    /// Whether the last character consumed ended a line (an unescaped newline).
    fn at_line_start(&self) -> bool {
        self.pos > 0 && self.chars.get(self.pos - 1) == Some(&'\n')
    }

    /// Remembers the here-document a word opens: `<<EOF`, `<<-EOF`, `<<'EOF'` (quotes are
    /// already resolved), or a bare `<<` whose delimiter is the next word. `<<<` is a
    /// here-string, which opens none.
    fn note_heredoc(&mut self, word: &str) {
        if let Some(strip_tabs) = self.delimiter_next.take() {
            self.pending.push((word.to_owned(), strip_tabs));
            return;
        }
        let Some(rest) = word.strip_prefix("<<").filter(|r| !r.starts_with('<')) else {
            return;
        };
        let (rest, strip_tabs) = match rest.strip_prefix('-') {
            Some(r) => (r, true),
            None => (rest, false),
        };
        if rest.is_empty() {
            self.delimiter_next = Some(strip_tabs);
        } else {
            self.pending.push((rest.to_owned(), strip_tabs));
        }
    }

    /// Skips the bodies of the pending here-documents, which start on the line just begun
    /// (a command's input, not commands); a body without its delimiter runs to the end of the
    /// text, as the shell reads it.
    fn skip_heredocs(&mut self) {
        for (delimiter, strip_tabs) in std::mem::take(&mut self.pending) {
            while self.peek(0).is_some() {
                let mut line = String::new();
                while let Some(c) = self.bump() {
                    if c == '\n' {
                        break;
                    }
                    line.push(c);
                }
                let line = line.trim_end_matches('\r');
                let compared = if strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                if compared == delimiter {
                    break;
                }
            }
        }
    }

    /// The next word or operator; `None` at the end of the text.
    fn next_token(&mut self) -> Result<Option<Token>, ShellError> {
        self.skip_blanks();
        let Some(c) = self.peek(0) else {
            return Ok(None);
        };
        if let Some(operator) = self.operator(c) {
            return Ok(Some(operator));
        }
        let line = self.line;
        Ok(Some(Token::Word(self.word()?, line)))
    }

    /// Skips blanks, continuations and comments.
    fn skip_blanks(&mut self) {
        loop {
            match self.peek(0) {
                Some(' ' | '\t' | '\r') => {
                    self.bump();
                }
                Some('\\') if self.peek(1) == Some('\n') => {
                    self.bump();
                    self.bump();
                }
                Some('\\') if self.peek(1) == Some('\r') && self.peek(2) == Some('\n') => {
                    self.bump();
                    self.bump();
                    self.bump();
                }
                Some('#') => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                _ => break,
            }
        }
    }

    /// The operator that starts with `c` (a command's end or a pipe), consumed; `None` when
    /// `c` starts a word.
    fn operator(&mut self, c: char) -> Option<Token> {
        match c {
            '\n' | ';' => {
                self.bump();
                Some(Token::End)
            }
            '&' => {
                self.bump();
                if self.peek(0) == Some('&') {
                    self.bump();
                }
                Some(Token::End)
            }
            '|' => {
                self.bump();
                if self.peek(0) == Some('|') {
                    self.bump();
                    return Some(Token::End);
                }
                Some(Token::Pipe)
            }
            _ => None,
        }
    }

    /// A word, its quotes and escapes resolved.
    fn word(&mut self) -> Result<String, ShellError> {
        let mut word = String::new();
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' => break,
                '\\' => {
                    self.bump();
                    match self.bump() {
                        // A continuation inside a word joins the two halves.
                        Some('\n') | None => {}
                        Some(escaped) => word.push(escaped),
                    }
                }
                '\'' => {
                    let line = self.line;
                    self.bump();
                    self.single_quoted(&mut word, line)?;
                }
                '"' => {
                    let line = self.line;
                    self.bump();
                    self.double_quoted(&mut word, line)?;
                }
                '$' if self.peek(1) == Some('(') => self.substitution(&mut word)?,
                _ => {
                    self.bump();
                    word.push(c);
                }
            }
        }
        Ok(word)
    }

    /// The rest of a single-quoted string, opened at `line`: everything up to the next `'`.
    fn single_quoted(&mut self, word: &mut String, line: usize) -> Result<(), ShellError> {
        loop {
            match self.bump() {
                Some('\'') => return Ok(()),
                Some(ch) => word.push(ch),
                None => {
                    return Err(ShellError {
                        line,
                        message: "unterminated single quote".to_owned(),
                    });
                }
            }
        }
    }

    fn double_quoted(&mut self, word: &mut String, line: usize) -> Result<(), ShellError> {
        loop {
            match self.peek(0) {
                None => {
                    return Err(ShellError {
                        line,
                        message: "unterminated double quote".to_owned(),
                    });
                }
                Some('"') => {
                    self.bump();
                    return Ok(());
                }
                Some('\\') => {
                    self.bump();
                    match self.bump() {
                        Some('\n') => {}
                        Some(ch @ ('$' | '`' | '"' | '\\')) => word.push(ch),
                        Some(ch) => {
                            word.push('\\');
                            word.push(ch);
                        }
                        None => word.push('\\'),
                    }
                }
                Some('$') if self.peek(1) == Some('(') => self.substitution(word)?,
                Some(ch) => {
                    self.bump();
                    word.push(ch);
                }
            }
        }
    }

    /// Copies a `$(…)` command substitution as written (nesting counted, quotes respected).
    fn substitution(&mut self, word: &mut String) -> Result<(), ShellError> {
        let line = self.line;
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        while let Some(ch) = self.bump() {
            word.push(ch);
            match (quote, ch) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(ch),
                (None, '(') => depth += 1,
                (None, ')') => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
        Err(ShellError {
            line,
            message: "unterminated `$(`".to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<Vec<String>> {
        split_commands(text)
            .unwrap()
            .into_iter()
            .map(|c| c.words)
            .collect()
    }

    #[test]
    fn quotes_escapes_and_continuations() {
        let text = "curl -X POST \"$ISSUER_URL/oauth/token\" \\\n  -H \"Content-Type: application/x-www-form-urlencoded\" \\\n  -d 'a=b c' -d x\\ y";
        let cmds = split_commands(text).unwrap();
        assert_eq!(cmds.len(), 1);
        assert_eq!(cmds[0].line, 1);
        assert_eq!(
            cmds[0].words,
            [
                "curl",
                "-X",
                "POST",
                "$ISSUER_URL/oauth/token",
                "-H",
                "Content-Type: application/x-www-form-urlencoded",
                "-d",
                "a=b c",
                "-d",
                "x y"
            ]
        );
    }

    #[test]
    fn compound_commands_are_one_command() {
        let text = "for _ in {1..2}; do \\\n  curl -s -i $URL/anything; \\\n  echo; sleep 1; \\\ndone | grep -E 'X-Cache'\necho after\nfor a in x; do for b in y; do echo; done; done\nif true; then echo; fi\n";
        let cmds = split_commands(text).unwrap();
        let summary: Vec<_> = cmds
            .iter()
            .map(|c| {
                (
                    c.words.first().cloned().unwrap_or_default(),
                    c.line,
                    c.pipeline.len(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("for".to_owned(), 1, 1),
                ("echo".to_owned(), 5, 0),
                ("for".to_owned(), 6, 0),
                ("if".to_owned(), 7, 0)
            ]
        );
        assert_eq!(
            cmds[0].words.join(" "),
            "for _ in {1..2} ; do curl -s -i $URL/anything ; echo ; sleep 1 ; done"
        );
        assert_eq!(cmds[0].pipeline, [vec!["grep", "-E", "X-Cache"]]);
        // Never closed: the rest of the text belongs to it.
        assert_eq!(split_commands("while true; do\necho").unwrap().len(), 1);
    }

    #[test]
    fn here_documents_are_input_not_commands() {
        let text = "cat <<EOF > app.py\nimport os\nprint(os.environ[\"X\"])\nEOF\necho done\n\
                    cat <<'END' | deck gateway apply -\n_format_version: \"3.0\"\nEND\n\
                    cat <<- T\n\tindented\n\tT\ncat x <<<here\n";
        let cmds = split_commands(text).unwrap();
        let summary: Vec<_> = cmds.iter().map(|c| (c.words.join(" "), c.line)).collect();
        assert_eq!(
            summary,
            [
                ("cat <<EOF > app.py".to_owned(), 1),
                ("echo done".to_owned(), 5),
                ("cat <<END".to_owned(), 6),
                ("cat <<- T".to_owned(), 9),
                ("cat x <<<here".to_owned(), 12),
            ]
        );
        assert_eq!(cmds[2].pipeline, [vec!["deck", "gateway", "apply", "-"]]);
        // A body without its delimiter runs to the end, as in the shell.
        let open = split_commands("cat <<EOF\nno end\necho not a command").unwrap();
        assert_eq!(open.len(), 1);
    }

    #[test]
    fn double_quotes_keep_unknown_escapes_and_dollar_text() {
        assert_eq!(
            words(r#"echo "a \"b\" \$C \n ${D}""#),
            [vec!["echo", r#"a "b" $C \n ${D}"#]]
        );
    }

    #[test]
    fn commands_split_on_newlines_separators_and_keep_lines() {
        let cmds = split_commands(
            "export A='YOUR-A'\n# a comment\nexport B='YOUR-B'; echo hi && echo x\n\n",
        )
        .unwrap();
        let lines: Vec<_> = cmds.iter().map(|c| (c.words[0].as_str(), c.line)).collect();
        assert_eq!(
            lines,
            [("export", 1), ("export", 3), ("echo", 3), ("echo", 3)]
        );
        assert_eq!(cmds[0].words, ["export", "A=YOUR-A"]);
    }

    #[test]
    fn pipelines_and_substitutions() {
        let cmds =
            split_commands("ID=$(curl -s \"$U\" | jq -r '.id')\ncurl -s x | jq -r .id").unwrap();
        assert_eq!(cmds[0].words, ["ID=$(curl -s \"$U\" | jq -r '.id')"]);
        assert_eq!(cmds[1].words, ["curl", "-s", "x"]);
        assert_eq!(cmds[1].pipeline, [vec!["jq", "-r", ".id"]]);
        assert_eq!(cmds[1].line, 2);
    }

    #[test]
    fn unterminated_quotes_are_located() {
        let err = split_commands("echo ok\ncurl -d 'open\nmore").unwrap_err();
        assert_eq!(err.line, 2);
        assert_eq!(err.message, "unterminated single quote");
        assert!(split_commands("echo \"x").is_err());
        assert!(split_commands("echo $(x").is_err());
    }

    #[test]
    fn crlf_continuations_are_joined() {
        assert_eq!(words("curl a \\\r\n  b\r\n"), [vec!["curl", "a", "b"]]);
    }
}
