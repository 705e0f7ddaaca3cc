//! [`PrincipalStore`]: every organization's directories ([`DirectoryEntry`]), each with its
//! principals and their identities, behind one `std::sync::Mutex` held only inside the
//! synchronous closures passed to the accessors (never across an `.await`).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::model::{Directory, Identity, Principal};
use crate::mock::auth::OrgId;
use crate::mock::identity::StoreError;

/// One principal and its identities.
#[derive(Debug, Clone, PartialEq)]
pub struct PrincipalEntry {
    /// The principal.
    pub principal: Principal,
    /// Its identities, in creation order.
    pub identities: Vec<Identity>,
}

/// One directory and its principals.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryEntry {
    /// The directory.
    pub directory: Directory,
    /// Its principals, in creation order.
    pub principals: Vec<PrincipalEntry>,
}

impl DirectoryEntry {
    /// The principal with id `id`; [`StoreError::NotFound`] if there is none.
    pub fn principal_mut(&mut self, id: &str) -> Result<&mut PrincipalEntry, StoreError> {
        self.principals
            .iter_mut()
            .find(|p| p.principal.id == id)
            .ok_or(StoreError::NotFound)
    }
}

/// The principals data of every organization.
#[derive(Debug, Default)]
pub struct PrincipalStore {
    inner: Mutex<HashMap<OrgId, Vec<DirectoryEntry>>>,
}

impl PrincipalStore {
    fn lock(&self) -> MutexGuard<'_, HashMap<OrgId, Vec<DirectoryEntry>>> {
        // Every mutation is a single step, so a poisoned lock still guards consistent data.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` on the organization's directories (creation order).
    pub fn with_org<R>(&self, org: &OrgId, f: impl FnOnce(&mut Vec<DirectoryEntry>) -> R) -> R {
        f(self.lock().entry(org.clone()).or_default())
    }

    /// Runs `f` on one directory of the organization; [`StoreError::NotFound`] if there is
    /// no such directory (another organization's included).
    pub fn with_directory<R>(
        &self,
        org: &OrgId,
        id: &str,
        f: impl FnOnce(&mut DirectoryEntry) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut inner = self.lock();
        let entry = inner
            .get_mut(org)
            .and_then(|dirs| dirs.iter_mut().find(|d| d.directory.id == id))
            .ok_or(StoreError::NotFound)?;
        f(entry)
    }

    /// Runs `f` on one principal of one directory of the organization.
    pub fn with_principal<R>(
        &self,
        org: &OrgId,
        directory: &str,
        principal: &str,
        f: impl FnOnce(&mut PrincipalEntry) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        self.with_directory(org, directory, |d| f(d.principal_mut(principal)?))
    }

    /// Adds a directory. Names are unique in the organization (409), and an organization
    /// holds at most `limit` directories (409; see `MockConfig::directories_per_org`).
    pub fn insert_directory(
        &self,
        org: &OrgId,
        directory: Directory,
        limit: usize,
    ) -> Result<(), StoreError> {
        self.with_org(org, |dirs| {
            if let Some(conflict) = name_conflict(dirs, &directory.name, None) {
                return Err(conflict);
            }
            if dirs.len() >= limit {
                return Err(StoreError::Conflict(format!(
                    "The organization already has {} directory(ies) in this region, the limit is {limit}",
                    dirs.len()
                )));
            }
            dirs.push(DirectoryEntry {
                directory,
                principals: Vec::new(),
            });
            Ok(())
        })
    }

    /// Deletes a directory with everything in it.
    pub fn delete_directory(&self, org: &OrgId, id: &str) -> Result<(), StoreError> {
        self.with_org(org, |dirs| {
            let index = dirs
                .iter()
                .position(|d| d.directory.id == id)
                .ok_or(StoreError::NotFound)?;
            dirs.remove(index);
            Ok(())
        })
    }
}

/// A 409 if another directory (not `except`) already has `name`.
pub fn name_conflict(
    dirs: &[DirectoryEntry],
    name: &str,
    except: Option<&str>,
) -> Option<StoreError> {
    dirs.iter()
        .any(|d| d.directory.name == name && Some(d.directory.id.as_str()) != except)
        .then(|| StoreError::Conflict(format!("A directory with the name [{name}] already exists")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::config::TokenPolicy;
    use crate::mock::principals::model::DEFAULT_TTL_SECS;

    fn org(token: &str) -> OrgId {
        OrgId::from_token(token, TokenPolicy::Any).unwrap()
    }

    fn directory(id: &str, name: &str) -> Directory {
        Directory {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            allowed_control_planes: vec![],
            allow_all_control_planes: false,
            ttl_secs: DEFAULT_TTL_SECS,
            negative_ttl_secs: DEFAULT_TTL_SECS,
            labels: Default::default(),
            managed_by: Default::default(),
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn names_are_unique_per_organization_and_the_limit_holds() {
        let store = PrincipalStore::default();
        let (a, b) = (org("a"), org("b"));
        store
            .insert_directory(&a, directory("1", "dir"), 2)
            .unwrap();
        assert!(matches!(
            store.insert_directory(&a, directory("2", "dir"), 2),
            Err(StoreError::Conflict(d)) if d.contains("[dir]")
        ));
        store
            .insert_directory(&a, directory("3", "other"), 2)
            .unwrap();
        assert!(matches!(
            store.insert_directory(&a, directory("4", "third"), 2),
            Err(StoreError::Conflict(d)) if d.contains("limit is 2")
        ));
        // Another organization has its own names and its own limit, and sees nothing of a's.
        store
            .insert_directory(&b, directory("5", "dir"), 2)
            .unwrap();
        assert_eq!(
            store.with_directory(&b, "1", |_| Ok(())),
            Err(StoreError::NotFound)
        );
        assert_eq!(store.delete_directory(&b, "1"), Err(StoreError::NotFound));
        store.delete_directory(&a, "1").unwrap();
        assert_eq!(
            store.with_directory(&a, "1", |_| Ok(())),
            Err(StoreError::NotFound)
        );
    }
}
