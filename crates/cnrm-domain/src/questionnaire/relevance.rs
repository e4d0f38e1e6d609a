//! Relevance conditions and constraints: the subset of XLSForm's XPath expressions that
//! questionnaires use — `${a} = 'x'`, `!=`, `<`, `<=`, `>`, `>=` (numbers or text),
//! `selected(${a}, 'x')`, `and`, `or`, `not(...)` and parentheses; `.` is the item's own answer
//! (constraints).
//!
//! The parser is hand-written (recursive descent) rather than generated or taken from an XPath
//! crate: the language is a dozen tokens, a hand-written parser gives errors that point at a
//! character and say in French and English what was expected, and it keeps this crate free of
//! dependencies that would accept (and then fail to evaluate) the rest of XPath.
//!
//! A condition is stored and serialised as its canonical text, so the JSON of a definition stays
//! readable and an export writes back what was imported.

use crate::locale::Locale;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A parsed condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Relevance {
    /// `${a} op literal`.
    Compare {
        subject: Subject,
        op: CompareOp,
        value: Literal,
    },
    /// `selected(${a}, 'x')`: option `x` is among the answers of `a`.
    Selected {
        subject: Subject,
        option: String,
    },
    And(Box<Relevance>, Box<Relevance>),
    Or(Box<Relevance>, Box<Relevance>),
    Not(Box<Relevance>),
}

/// What a condition looks at: another item's answer, or (constraints) the item's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Item(String),
    Current,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Number(f64),
}

/// Why a condition could not be read: where (character offset) and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelevanceError {
    pub position: usize,
    pub expected: Expected,
}

/// What the parser expected where it stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// `${name}` or `.`.
    Subject,
    /// `=`, `!=`, `<`, `<=`, `>` or `>=`.
    Operator,
    /// `'text'` or a number.
    Literal,
    /// A quoted option name.
    OptionText,
    ClosingParenthesis,
    OpeningParenthesis,
    Comma,
    /// `and`, `or` or the end of the expression.
    End,
    /// A closing quote.
    ClosingQuote,
    /// A closing `}` after a valid item name.
    ItemName,
}

impl RelevanceError {
    /// Says where the expression went wrong and what should be there.
    pub fn message(&self, locale: Locale) -> String {
        let position = self.position + 1;
        let (fr, en) = match self.expected {
            Expected::Subject => ("une référence à une question, ${nom}", "a reference to an item, ${name}"),
            Expected::Operator => ("un opérateur (=, !=, <, <=, >, >=)", "an operator (=, !=, <, <=, >, >=)"),
            Expected::Literal => ("une valeur entre apostrophes ou un nombre", "a quoted value or a number"),
            Expected::OptionText => ("un code d'option entre apostrophes", "a quoted option code"),
            Expected::ClosingParenthesis => ("une parenthèse fermante", "a closing parenthesis"),
            Expected::OpeningParenthesis => ("une parenthèse ouvrante", "an opening parenthesis"),
            Expected::Comma => ("une virgule", "a comma"),
            Expected::End => ("« and », « or » ou la fin de l'expression", "'and', 'or' or the end of the expression"),
            Expected::ClosingQuote => ("une apostrophe fermante", "a closing quote"),
            Expected::ItemName => (
                "un nom de question (lettres, chiffres, _) suivi de }",
                "an item name (letters, digits, _) followed by }",
            ),
        };
        match locale {
            Locale::Fr => format!("au caractère {position}, on attendait {fr}"),
            Locale::En => format!("at character {position}, expected {en}"),
        }
    }
}

impl Relevance {
    /// Reads a condition.
    pub fn parse(source: &str) -> Result<Relevance, RelevanceError> {
        let tokens = tokenize(source)?;
        let mut parser = Parser { tokens, at: 0, end: source.chars().count() };
        let expr = parser.or()?;
        match parser.peek() {
            None => Ok(expr),
            Some(t) => Err(RelevanceError { position: t.position, expected: Expected::End }),
        }
    }

    /// The names of the items the condition reads, in order of appearance (with repeats).
    pub fn references(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_references(&mut out);
        out
    }

    fn collect_references<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Relevance::Compare { subject, .. } | Relevance::Selected { subject, .. } => {
                if let Subject::Item(name) = subject {
                    out.push(name);
                }
            }
            Relevance::And(a, b) | Relevance::Or(a, b) => {
                a.collect_references(out);
                b.collect_references(out);
            }
            Relevance::Not(a) => a.collect_references(out),
        }
    }

    /// True when the condition mentions `.` (the item's own answer).
    pub fn uses_current(&self) -> bool {
        match self {
            Relevance::Compare { subject, .. } | Relevance::Selected { subject, .. } => *subject == Subject::Current,
            Relevance::And(a, b) | Relevance::Or(a, b) => a.uses_current() || b.uses_current(),
            Relevance::Not(a) => a.uses_current(),
        }
    }

    /// Evaluates the condition. `answer` gives the stored answer of a subject (`None`: unanswered),
    /// as ODK does: unanswered is the empty text, which equals `''` and is no number.
    pub fn eval<'a>(&self, answer: &dyn Fn(&Subject) -> Option<&'a str>) -> bool {
        match self {
            Relevance::Compare { subject, op, value } => compare(answer(subject).unwrap_or(""), *op, value),
            Relevance::Selected { subject, option } => {
                answer(subject).unwrap_or("").split_whitespace().any(|token| token == option)
            }
            Relevance::And(a, b) => a.eval(answer) && b.eval(answer),
            Relevance::Or(a, b) => a.eval(answer) || b.eval(answer),
            Relevance::Not(a) => !a.eval(answer),
        }
    }
}

/// XPath's comparison, reduced to what answers hold: numbers compare as numbers, otherwise `=`
/// and `!=` compare text and the order operators compare non-empty text (ISO dates sort as text).
fn compare(answer: &str, op: CompareOp, value: &Literal) -> bool {
    let answer_number = parse_number(answer);
    let ordering = match value {
        Literal::Number(n) => match answer_number {
            Some(a) => a.partial_cmp(n),
            None => None,
        },
        Literal::Text(text) => match (answer_number, parse_number(text)) {
            (Some(a), Some(b)) => a.partial_cmp(&b),
            _ if matches!(op, CompareOp::Eq | CompareOp::Ne) => Some(answer.cmp(text.as_str())),
            _ if answer.is_empty() || text.is_empty() => None,
            _ => Some(answer.cmp(text.as_str())),
        },
    };
    use std::cmp::Ordering::*;
    match (op, ordering) {
        (CompareOp::Ne, None) => true,
        (_, None) => false,
        (CompareOp::Eq, Some(o)) => o == Equal,
        (CompareOp::Ne, Some(o)) => o != Equal,
        (CompareOp::Lt, Some(o)) => o == Less,
        (CompareOp::Le, Some(o)) => o != Greater,
        (CompareOp::Gt, Some(o)) => o == Greater,
        (CompareOp::Ge, Some(o)) => o != Less,
    }
}

/// A number as answers and spreadsheets write it: `.` or `,` as decimal separator, finite.
pub(crate) fn parse_number(raw: &str) -> Option<f64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    raw.replace(',', ".").parse::<f64>().ok().filter(|n| n.is_finite())
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Reference(String),
    Dot,
    Text(String),
    Number(f64),
    Operator(CompareOp),
    Open,
    Close,
    Comma,
    Word(String),
}

#[derive(Debug, Clone)]
struct Positioned {
    token: Token,
    position: usize,
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.')
}

fn tokenize(source: &str) -> Result<Vec<Positioned>, RelevanceError> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let fail = |position, expected| Err(RelevanceError { position, expected });
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let token = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '$' => {
                if chars.get(i + 1) != Some(&'{') {
                    return fail(i, Expected::Subject);
                }
                let mut j = i + 2;
                while j < chars.len() && is_name_char(chars[j]) {
                    j += 1;
                }
                if j == i + 2 || chars.get(j) != Some(&'}') {
                    return fail(j, Expected::ItemName);
                }
                let name: String = chars[i + 2..j].iter().collect();
                i = j + 1;
                Token::Reference(name)
            }
            '\'' | '"' => {
                let quote = c;
                let mut j = i + 1;
                while j < chars.len() && chars[j] != quote {
                    j += 1;
                }
                if j == chars.len() {
                    return fail(j, Expected::ClosingQuote);
                }
                let text: String = chars[i + 1..j].iter().collect();
                i = j + 1;
                Token::Text(text)
            }
            '(' => {
                i += 1;
                Token::Open
            }
            ')' => {
                i += 1;
                Token::Close
            }
            ',' => {
                i += 1;
                Token::Comma
            }
            '=' => {
                i += 1;
                Token::Operator(CompareOp::Eq)
            }
            '!' | '<' | '>' => {
                let with_equal = chars.get(i + 1) == Some(&'=');
                let op = match (c, with_equal) {
                    ('!', true) => CompareOp::Ne,
                    ('!', false) => return fail(i, Expected::Operator),
                    ('<', true) => CompareOp::Le,
                    ('<', false) => CompareOp::Lt,
                    ('>', true) => CompareOp::Ge,
                    _ => CompareOp::Gt,
                };
                i += if with_equal { 2 } else { 1 };
                Token::Operator(op)
            }
            '.' if !chars.get(i + 1).is_some_and(char::is_ascii_digit) => {
                i += 1;
                Token::Dot
            }
            c if c.is_ascii_digit() || c == '-' || c == '.' => {
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                    j += 1;
                }
                let text: String = chars[i..j].iter().collect();
                match text.parse::<f64>() {
                    Ok(n) if n.is_finite() => {
                        i = j;
                        Token::Number(n)
                    }
                    _ => return fail(i, Expected::Literal),
                }
            }
            c if c.is_alphabetic() => {
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '-' || chars[j] == '_') {
                    j += 1;
                }
                let word: String = chars[i..j].iter().collect();
                i = j;
                Token::Word(word)
            }
            _ => return fail(i, Expected::Subject),
        };
        tokens.push(Positioned { token, position: start });
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Positioned>,
    at: usize,
    /// Position reported when the expression ends too early.
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Positioned> {
        self.tokens.get(self.at)
    }

    fn position(&self) -> usize {
        self.peek().map_or(self.end, |t| t.position)
    }

    fn fail<T>(&self, expected: Expected) -> Result<T, RelevanceError> {
        Err(RelevanceError { position: self.position(), expected })
    }

    fn next_is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Positioned { token: Token::Word(w), .. }) if w == word)
    }

    fn expect(&mut self, token: Token, expected: Expected) -> Result<(), RelevanceError> {
        if self.peek().map(|t| &t.token) == Some(&token) {
            self.at += 1;
            Ok(())
        } else {
            self.fail(expected)
        }
    }

    fn or(&mut self) -> Result<Relevance, RelevanceError> {
        let mut left = self.and()?;
        while self.next_is_word("or") {
            self.at += 1;
            let right = self.and()?;
            left = Relevance::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Relevance, RelevanceError> {
        let mut left = self.unary()?;
        while self.next_is_word("and") {
            self.at += 1;
            let right = self.unary()?;
            left = Relevance::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Relevance, RelevanceError> {
        if self.next_is_word("not") {
            self.at += 1;
            self.expect(Token::Open, Expected::OpeningParenthesis)?;
            let inner = self.or()?;
            self.expect(Token::Close, Expected::ClosingParenthesis)?;
            return Ok(Relevance::Not(Box::new(inner)));
        }
        if self.next_is_word("selected") {
            self.at += 1;
            self.expect(Token::Open, Expected::OpeningParenthesis)?;
            let subject = self.subject()?;
            self.expect(Token::Comma, Expected::Comma)?;
            let option = match self.peek().map(|t| t.token.clone()) {
                Some(Token::Text(text)) => text,
                _ => return self.fail(Expected::OptionText),
            };
            self.at += 1;
            self.expect(Token::Close, Expected::ClosingParenthesis)?;
            return Ok(Relevance::Selected { subject, option });
        }
        if self.peek().map(|t| &t.token) == Some(&Token::Open) {
            self.at += 1;
            let inner = self.or()?;
            self.expect(Token::Close, Expected::ClosingParenthesis)?;
            return Ok(inner);
        }
        let subject = self.subject()?;
        let op = match self.peek().map(|t| &t.token) {
            Some(Token::Operator(op)) => *op,
            _ => return self.fail(Expected::Operator),
        };
        self.at += 1;
        let value = match self.peek().map(|t| t.token.clone()) {
            Some(Token::Text(text)) => Literal::Text(text),
            Some(Token::Number(n)) => Literal::Number(n),
            _ => return self.fail(Expected::Literal),
        };
        self.at += 1;
        Ok(Relevance::Compare { subject, op, value })
    }

    fn subject(&mut self) -> Result<Subject, RelevanceError> {
        let subject = match self.peek().map(|t| &t.token) {
            Some(Token::Reference(name)) => Subject::Item(name.clone()),
            Some(Token::Dot) => Subject::Current,
            _ => return self.fail(Expected::Subject),
        };
        self.at += 1;
        Ok(subject)
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        })
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Item(name) => write!(f, "${{{name}}}"),
            Subject::Current => f.write_str("."),
        }
    }
}

fn quote(text: &str) -> String {
    if text.contains('\'') {
        format!("\"{text}\"")
    } else {
        format!("'{text}'")
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Text(text) => f.write_str(&quote(text)),
            Literal::Number(n) => write!(f, "{n}"),
        }
    }
}

/// The canonical text: parsing it gives back the same condition (operands of `and`/`or` are
/// parenthesised where the left-to-right reading would group them otherwise).
impl fmt::Display for Relevance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let wrap = |r: &Relevance, wrap: bool| if wrap { format!("({r})") } else { r.to_string() };
        match self {
            Relevance::Compare { subject, op, value } => write!(f, "{subject} {op} {value}"),
            Relevance::Selected { subject, option } => write!(f, "selected({subject}, {})", quote(option)),
            Relevance::Not(inner) => write!(f, "not({inner})"),
            Relevance::And(a, b) => {
                let a = wrap(a, matches!(**a, Relevance::Or(..)));
                let b = wrap(b, matches!(**b, Relevance::Or(..) | Relevance::And(..)));
                write!(f, "{a} and {b}")
            }
            Relevance::Or(a, b) => write!(f, "{a} or {}", wrap(b, matches!(**b, Relevance::Or(..)))),
        }
    }
}

impl From<Relevance> for String {
    fn from(r: Relevance) -> String {
        r.to_string()
    }
}

impl TryFrom<String> for Relevance {
    type Error = String;

    fn try_from(source: String) -> Result<Self, Self::Error> {
        Relevance::parse(&source).map_err(|e| e.message(Locale::En))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn holds(expr: &str, answers: &[(&str, &str)]) -> bool {
        let map: BTreeMap<&str, &str> = answers.iter().copied().collect();
        let current = map.get(".").copied();
        Relevance::parse(expr).unwrap().eval(&|s: &Subject| match s {
            Subject::Item(name) => map.get(name.as_str()).copied(),
            Subject::Current => current,
        })
    }

    #[test]
    fn comparisons_follow_odk() {
        assert!(holds("${a} = 'yes'", &[("a", "yes")]));
        assert!(!holds("${a} = 'yes'", &[("a", "no")]));
        assert!(!holds("${a} = 'yes'", &[]));
        assert!(holds("${a} != 'yes'", &[]));
        assert!(holds("${a} = ''", &[]));
        assert!(holds("${n} >= 3", &[("n", "3")]));
        assert!(holds("${n} > 2.5", &[("n", "3")]));
        assert!(!holds("${n} < 3", &[("n", "3")]));
        assert!(holds("${n} <= '10'", &[("n", "9")]), "numbers compare as numbers, not as text");
        assert!(!holds("${n} > 2", &[]), "an unanswered item is no number");
        assert!(holds("${n} != 2", &[]));
        assert!(holds("${d} < '2024-06-01'", &[("d", "2024-05-31")]));
        assert!(holds(". >= 0 and . <= 100", &[(".", "42")]));
        assert!(!holds(". >= 0 and . <= 100", &[(".", "142")]));
    }

    #[test]
    fn selected_and_boolean_operators() {
        let answers = [("m", "water health"), ("a", "no")];
        assert!(holds("selected(${m}, 'health')", &answers));
        assert!(!holds("selected(${m}, 'heal')", &answers));
        assert!(holds("selected(${m}, 'water') and ${a} = 'no'", &answers));
        assert!(holds("${a} = 'yes' or selected(${m}, 'water')", &answers));
        assert!(holds("not(${a} = 'yes')", &answers));
        assert!(!holds("not(${a} = 'yes' or ${a} = 'no')", &answers));
        // `and` binds tighter than `or`; parentheses override.
        assert!(holds("${a} = 'no' or ${a} = 'x' and ${a} = 'y'", &answers));
        assert!(!holds("(${a} = 'no' or ${a} = 'x') and ${a} = 'y'", &answers));
    }

    #[test]
    fn errors_point_at_the_problem() {
        let err = |s: &str| Relevance::parse(s).unwrap_err();
        assert_eq!(err("${a} 'x'"), RelevanceError { position: 5, expected: Expected::Operator });
        assert_eq!(err("${a} = "), RelevanceError { position: 7, expected: Expected::Literal });
        assert_eq!(err("${a = 'x'"), RelevanceError { position: 3, expected: Expected::ItemName });
        assert_eq!(err("${a} = 'x"), RelevanceError { position: 9, expected: Expected::ClosingQuote });
        assert_eq!(err("(${a} = 'x'"), RelevanceError { position: 11, expected: Expected::ClosingParenthesis });
        assert_eq!(err("${a} = 'x' ${b}"), RelevanceError { position: 11, expected: Expected::End });
        assert_eq!(err("selected(${a} 'x')").expected, Expected::Comma);
        assert_eq!(err("a = 'x'").expected, Expected::Subject);
        assert!(err("${a} = 'x' and").message(Locale::Fr).starts_with("au caractère 15, on attendait"));
        assert!(err("${a} = 'x' and").message(Locale::En).starts_with("at character 15, expected"));
    }

    #[test]
    fn references_are_listed() {
        let r = Relevance::parse("${a} = 'x' and (selected(${b}, 'y') or not(${a} > 1)) and . < 3").unwrap();
        assert_eq!(r.references(), vec!["a", "b", "a"]);
        assert!(r.uses_current());
    }

    #[test]
    fn display_parses_back_to_the_same_condition() {
        for source in [
            "${a} = 'x'",
            "${a} = \"it's\"",
            "${n} >= -1.5",
            "selected(${m}, 'w') or ${a} != 'y' and not(${b} < 3)",
            "(${a} = 'x' or ${b} = 'y') and ${c} = 'z'",
            "${a} = 'x' and (${b} = 'y' and ${c} = 'z')",
            "${a} = 'x' or (${b} = 'y' or ${c} = 'z')",
            ". > 0",
        ] {
            let parsed = Relevance::parse(source).unwrap();
            assert_eq!(Relevance::parse(&parsed.to_string()).unwrap(), parsed, "{source} → {parsed}");
        }
        let json = serde_json::to_string(&Relevance::parse("${a}='x'").unwrap()).unwrap();
        assert_eq!(json, "\"${a} = 'x'\"");
        assert!(serde_json::from_str::<Relevance>("\"${a} =\"").is_err());
    }
}
