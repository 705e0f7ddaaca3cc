//! Which variables exist where: every `$VAR` must be defined before it is used, on every
//! target the using step runs on. `Scope` is the main type; [`TARGET_VARS`] and
//! [`is_secret_name`] are public.
//!
//! Variables come from the target ([`TARGET_VARS`]), from `vars:` (in order), and from the
//! captures of earlier steps. A step's token checks and cleanup run after its captures, so
//! they may use them too. A capture in a step limited to `targets: [mock]` defines its
//! variable only on the mock, so a later step that runs everywhere cannot use it.

use std::collections::HashMap;

use super::error::{Code, LoadError};
use super::model::TargetKind;
use super::reader::{Phase, VarUse, suggest};

/// Variables every target defines before the first step.
pub const TARGET_VARS: &[&str] = &[
    "KONNECT_TOKEN",
    "KONNECT_CONTROL_PLANE_URL",
    "KONNECT_PROXY_URL",
    "DECK_KONNECT_CONTROL_PLANE_NAME",
    "RUN_ID",
];

pub use crate::secret::is_secret_name;

/// A set of targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Targets(u8);

const KINDS: [TargetKind; 3] = [TargetKind::Mock, TargetKind::Container, TargetKind::Konnect];

impl Targets {
    /// Every target.
    pub(crate) const ALL: Self = Self(0b111);

    /// The targets in `kinds`; an empty list means all, as in the model.
    pub(crate) fn of(kinds: &[TargetKind]) -> Self {
        if kinds.is_empty() {
            return Self::ALL;
        }
        Self(kinds.iter().fold(0, |acc, k| acc | bit(*k)))
    }

    /// Targets in both.
    pub(crate) fn and(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    fn or(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    fn minus(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }

    /// No target at all.
    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// `mock`, `konnect` for messages.
    pub(crate) fn names(self) -> String {
        KINDS
            .iter()
            .filter(|k| self.0 & bit(**k) != 0)
            .map(|k| format!("`{}`", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn bit(kind: TargetKind) -> u8 {
    match kind {
        TargetKind::Mock => 1,
        TargetKind::Container => 2,
        TargetKind::Konnect => 4,
    }
}

/// What the scope check needs to know about a step.
#[derive(Debug, Clone)]
pub(crate) struct ScopeStep {
    /// Step name.
    pub(crate) name: String,
    /// Targets it runs on (already intersected with the scenario's).
    pub(crate) targets: Targets,
    /// Variables it captures.
    pub(crate) captures: Vec<String>,
}

/// The definitions of a file, in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    /// `vars:` names, in order.
    pub(crate) vars: Vec<String>,
    /// Steps, in order.
    pub(crate) steps: Vec<ScopeStep>,
}

/// Where a variable is defined so far.
#[derive(Debug, Clone)]
struct Def {
    targets: Targets,
    /// The last step that captured it, if any.
    step: Option<String>,
}

impl Scope {
    /// Reports every use of a variable that is not defined where it is used.
    pub(crate) fn check(&self, scenario_targets: Targets, uses: &[VarUse]) -> Vec<LoadError> {
        let mut errors = Vec::new();
        let mut defs: HashMap<&str, Def> = TARGET_VARS
            .iter()
            .map(|name| {
                let def = Def {
                    targets: Targets::ALL,
                    step: None,
                };
                (*name, def)
            })
            .collect();
        let check = |phase: Phase,
                     needed: Targets,
                     defs: &HashMap<&str, Def>,
                     errors: &mut Vec<LoadError>| {
            for u in uses.iter().filter(|u| u.phase == phase) {
                if let Some(e) = self.check_use(u, needed, defs) {
                    errors.push(e);
                }
            }
        };
        for (i, name) in self.vars.iter().enumerate() {
            check(Phase::Vars(i), scenario_targets, &defs, &mut errors);
            defs.insert(
                name,
                Def {
                    targets: Targets::ALL,
                    step: None,
                },
            );
        }
        for (index, step) in self.steps.iter().enumerate() {
            let early = Phase::Step { index, late: false };
            check(early, step.targets, &defs, &mut errors);
            for var in &step.captures {
                let def = defs.entry(var).or_insert(Def {
                    targets: Targets(0),
                    step: None,
                });
                def.targets = def.targets.or(step.targets);
                def.step = Some(step.name.clone());
            }
            let late = Phase::Step { index, late: true };
            check(late, step.targets, &defs, &mut errors);
        }
        errors
    }

    fn check_use(
        &self,
        u: &VarUse,
        needed: Targets,
        defs: &HashMap<&str, Def>,
    ) -> Option<LoadError> {
        match defs.get(u.name.as_str()) {
            Some(def) => {
                let missing = needed.minus(def.targets);
                if missing.is_empty() {
                    return None;
                }
                let mut e = LoadError::new(
                    Code::UndefinedVariable,
                    u.span,
                    format!(
                        "variable `{}` is not defined on {}, where this runs",
                        u.name,
                        missing.names()
                    ),
                );
                if let Some(step) = &def.step {
                    e = e.with_help(format!(
                        "step `{step}` captures it only on {}; limit this step with `targets:`",
                        def.targets.names()
                    ));
                }
                Some(e)
            }
            None => {
                let e = LoadError::new(
                    Code::UndefinedVariable,
                    u.span,
                    format!("undefined variable `{}`", u.name),
                );
                Some(e.with_help(self.undefined_help(u, defs)))
            }
        }
    }

    fn undefined_help(&self, u: &VarUse, defs: &HashMap<&str, Def>) -> String {
        let later = self
            .steps
            .iter()
            .enumerate()
            .find(|(_, s)| s.captures.contains(&u.name));
        if let Some((index, step)) = later {
            let own = matches!(u.phase, Phase::Step { index: i, .. } if i == index);
            return if own {
                format!(
                    "step `{}` captures it from its own response; only its `token` and `cleanup` can use it",
                    step.name
                )
            } else {
                format!(
                    "step `{}` captures it later; a variable can only be used after the step that captures it",
                    step.name
                )
            };
        }
        let later_vars = self.vars.get(u.phase_var_limit()..).unwrap_or(&[]);
        if later_vars.contains(&u.name) {
            return "it is defined later in `vars:`; move it before its first use".to_owned();
        }
        let mut known: Vec<&str> = defs.keys().copied().collect();
        known.sort_unstable();
        if let Some(s) = suggest(&u.name, known.iter().copied()) {
            return format!("did you mean `{s}`?");
        }
        // A typo of a variable that exists, but only later.
        let captured_later = self.steps.iter().flat_map(|step| {
            step.captures
                .iter()
                .map(move |c| (c.as_str(), step.name.as_str()))
        });
        let later: Vec<(&str, &str)> = captured_later.collect();
        if let Some(s) = suggest(&u.name, later.iter().map(|(c, _)| *c))
            && let Some((_, step)) = later.iter().find(|(c, _)| *c == s)
        {
            return format!("did you mean `{s}`? step `{step}` captures it, later");
        }
        "define it under `vars:` or capture it in an earlier step".to_owned()
    }
}

impl VarUse {
    /// How many `vars:` entries are defined when this use is read.
    fn phase_var_limit(&self) -> usize {
        match self.phase {
            Phase::Vars(i) => i,
            Phase::Step { .. } => usize::MAX,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::model::Span;

    fn use_at(name: &str, phase: Phase) -> VarUse {
        VarUse {
            name: name.to_owned(),
            span: Span::default(),
            phase,
        }
    }

    fn step(name: &str, targets: Targets, captures: &[&str]) -> ScopeStep {
        ScopeStep {
            name: name.to_owned(),
            targets,
            captures: captures.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    #[test]
    fn secrets_are_recognised_by_name() {
        assert!(is_secret_name("CLIENT_SECRET"));
        assert!(is_secret_name("ACCESS_TOKEN"));
        assert!(is_secret_name("API_KEY"));
        assert!(is_secret_name("DB_PASSWORD"));
        assert!(!is_secret_name("CLIENT_ID"));
    }

    #[test]
    fn captures_are_visible_after_their_step_and_in_its_late_parts() {
        let scope = Scope {
            vars: vec!["A".into()],
            steps: vec![
                step("one", Targets::ALL, &["ID"]),
                step("two", Targets::ALL, &[]),
            ],
        };
        let ok = [
            use_at("RUN_ID", Phase::Vars(0)),
            use_at(
                "A",
                Phase::Step {
                    index: 0,
                    late: false,
                },
            ),
            use_at(
                "ID",
                Phase::Step {
                    index: 0,
                    late: true,
                },
            ),
            use_at(
                "ID",
                Phase::Step {
                    index: 1,
                    late: false,
                },
            ),
        ];
        assert!(scope.check(Targets::ALL, &ok).is_empty());

        let bad = [
            use_at("A", Phase::Vars(0)),
            use_at(
                "ID",
                Phase::Step {
                    index: 0,
                    late: false,
                },
            ),
            use_at(
                "NOPE",
                Phase::Step {
                    index: 1,
                    late: false,
                },
            ),
        ];
        let errors = scope.check(Targets::ALL, &bad);
        assert_eq!(errors.len(), 3);
        assert!(errors.iter().all(|e| e.code == Code::UndefinedVariable));
        assert!(
            errors[0]
                .help
                .as_deref()
                .unwrap()
                .contains("later in `vars:`")
        );
        assert!(errors[1].help.as_deref().unwrap().contains("own response"));
    }

    #[test]
    fn target_limited_captures_are_not_visible_everywhere() {
        let mock = Targets::of(&[TargetKind::Mock]);
        let scope = Scope {
            vars: vec![],
            steps: vec![
                step("mock-only", mock, &["ID"]),
                step("all", Targets::ALL, &[]),
            ],
        };
        let errors = scope.check(
            Targets::ALL,
            &[use_at(
                "ID",
                Phase::Step {
                    index: 1,
                    late: false,
                },
            )],
        );
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].message.contains("`container`, `konnect`"),
            "{}",
            errors[0].message
        );

        let limited = Scope {
            vars: vec![],
            steps: vec![
                step("mock-only", mock, &["ID"]),
                step("mock-too", mock, &[]),
            ],
        };
        assert!(
            limited
                .check(
                    Targets::ALL,
                    &[use_at(
                        "ID",
                        Phase::Step {
                            index: 1,
                            late: false
                        }
                    )]
                )
                .is_empty()
        );
    }

    #[test]
    fn typos_get_a_suggestion() {
        let scope = Scope {
            vars: vec!["AUTH_SERVER_ID".into()],
            steps: vec![step("one", Targets::ALL, &[])],
        };
        let errors = scope.check(
            Targets::ALL,
            &[use_at(
                "AUTH_SERVR_ID",
                Phase::Step {
                    index: 0,
                    late: false,
                },
            )],
        );
        assert_eq!(
            errors[0].help.as_deref(),
            Some("did you mean `AUTH_SERVER_ID`?")
        );
    }
}
