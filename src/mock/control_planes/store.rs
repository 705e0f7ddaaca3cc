//! [`ControlPlaneStore`]: every organization's control planes and their core entities, with
//! the propagation delay between a change and its arrival on the data plane.
//!
//! Each change publishes a new immutable [`CoreConfig`] snapshot stamped with the instant it
//! becomes visible (`now + propagation_delay`). The API reads the newest snapshot at once;
//! the data plane reads the newest snapshot whose instant has passed, as a real data plane
//! lags its control plane.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::admin_error::AdminError;
use super::control_plane::ControlPlane;
use super::core_config::CoreConfig;
use crate::mock::auth::OrgId;

/// Control planes of every organization.
#[derive(Debug, Default)]
pub struct ControlPlaneStore {
    inner: RwLock<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    planes: HashMap<Uuid, Record>,
    next_seq: u64,
    /// `Host` authorities the management API was called with (see
    /// [`ControlPlaneStore::api_host_seen`]).
    api_hosts: BTreeSet<String>,
    /// The first organization that created a control plane of each name: the root data
    /// plane serves that organization's `quickstart` and never a later one of another org.
    first_owner: HashMap<String, OrgId>,
}

#[derive(Debug)]
struct Record {
    org: OrgId,
    /// Creation order across organizations (the root data plane serves the newest).
    seq: u64,
    plane: ControlPlane,
    /// What the API shows.
    current: Arc<CoreConfig>,
    /// What the data plane will show, oldest first: `(visible_at, snapshot)`.
    published: Vec<(Instant, Arc<CoreConfig>)>,
}

impl Record {
    fn visible(&self, now: Instant) -> Option<Arc<CoreConfig>> {
        self.published
            .iter()
            .rev()
            .find(|(at, _)| *at <= now)
            .map(|(_, c)| c.clone())
    }
}

/// Why a control plane could not be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateError {
    /// The organization already has a control plane with this name.
    DuplicateName,
}

impl ControlPlaneStore {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a control plane with an empty configuration (visible to its data plane at once).
    pub fn create(&self, org: &OrgId, plane: ControlPlane) -> Result<ControlPlane, CreateError> {
        let mut inner = self.write();
        if inner
            .planes
            .values()
            .any(|r| &r.org == org && r.plane.name == plane.name)
        {
            return Err(CreateError::DuplicateName);
        }
        inner.next_seq += 1;
        inner
            .first_owner
            .entry(plane.name.clone())
            .or_insert_with(|| org.clone());
        let empty = Arc::new(CoreConfig::default());
        let record = Record {
            org: org.clone(),
            seq: inner.next_seq,
            plane: plane.clone(),
            current: empty.clone(),
            published: vec![(Instant::now(), empty)],
        };
        inner.planes.insert(plane.id, record);
        Ok(plane)
    }

    /// The organization's control planes, oldest first.
    pub fn list(&self, org: &OrgId) -> Vec<ControlPlane> {
        let inner = self.read();
        let mut records: Vec<&Record> = inner.planes.values().filter(|r| &r.org == org).collect();
        records.sort_by_key(|r| r.seq);
        records.into_iter().map(|r| r.plane.clone()).collect()
    }

    /// One control plane of the organization.
    pub fn get(&self, org: &OrgId, id: Uuid) -> Option<ControlPlane> {
        let inner = self.read();
        inner
            .planes
            .get(&id)
            .filter(|r| &r.org == org)
            .map(|r| r.plane.clone())
    }

    /// Deletes a control plane and its entities; `false` if the organization has none such.
    pub fn delete(&self, org: &OrgId, id: Uuid) -> bool {
        let mut inner = self.write();
        if inner.planes.get(&id).is_some_and(|r| &r.org == org) {
            inner.planes.remove(&id);
            true
        } else {
            false
        }
    }

    /// The configuration as the API shows it (latest change included).
    pub fn config(&self, org: &OrgId, id: Uuid) -> Option<Arc<CoreConfig>> {
        let inner = self.read();
        inner
            .planes
            .get(&id)
            .filter(|r| &r.org == org)
            .map(|r| r.current.clone())
    }

    /// Applies `change` to a copy of the configuration; on success the copy becomes current
    /// and is published to the data plane after `delay`. `None` if there is no such control
    /// plane.
    pub fn update<R>(
        &self,
        org: &OrgId,
        id: Uuid,
        delay: Duration,
        change: impl FnOnce(&mut CoreConfig) -> Result<R, AdminError>,
    ) -> Option<Result<R, AdminError>> {
        let mut inner = self.write();
        let record = inner.planes.get_mut(&id).filter(|r| &r.org == org)?;
        let mut next = CoreConfig::clone(&record.current);
        let result = change(&mut next);
        if result.is_ok() {
            let next = Arc::new(next);
            let now = Instant::now();
            record.current = next.clone();
            record.published.push((now + delay, next));
            // Drop snapshots superseded by one that is already visible.
            if let Some(last_visible) = record.published.iter().rposition(|(at, _)| *at <= now) {
                record.published.drain(..last_visible);
            }
        }
        Some(result)
    }

    /// What the data plane of control plane `id` serves now.
    pub fn data_plane(&self, id: Uuid) -> Option<Arc<CoreConfig>> {
        self.read().planes.get(&id)?.visible(Instant::now())
    }

    /// The organization owning control plane `id`.
    pub fn org_of(&self, id: Uuid) -> Option<OrgId> {
        self.read().planes.get(&id).map(|r| r.org.clone())
    }

    /// The organization whose control plane named `name` the root data plane serves: `fixed`
    /// when given (`mock serve --proxy-org`), else the first organization that created one.
    pub fn root_org(&self, name: &str, fixed: Option<&OrgId>) -> Option<OrgId> {
        fixed
            .cloned()
            .or_else(|| self.read().first_owner.get(name).cloned())
    }

    /// What the root data plane serves now: the control plane named `name` of
    /// [`ControlPlaneStore::root_org`], as the quickstart data plane serves its own control
    /// plane. Another organization's control plane of the same name is never served there
    /// (it has its own data plane under `/dp/{id}`).
    pub fn root_data_plane(
        &self,
        name: &str,
        fixed: Option<&OrgId>,
    ) -> Option<(Uuid, Arc<CoreConfig>)> {
        let owner = self.root_org(name, fixed)?;
        let inner = self.read();
        let record = inner
            .planes
            .values()
            .find(|r| r.plane.name == name && r.org == owner)?;
        Some((record.plane.id, record.visible(Instant::now())?))
    }

    /// Remembers the `Host` authority the management API was called with.
    pub fn note_api_host(&self, authority: &str) {
        let authority = authority.to_ascii_lowercase();
        if !self.read().api_hosts.contains(&authority) {
            self.write().api_hosts.insert(authority);
        }
    }

    /// Whether the management API was called with this `Host` authority. The gateway uses it
    /// to recognise URLs of the mock's own issuers (which are built from that same `Host`).
    pub fn api_host_seen(&self, authority: &str) -> bool {
        self.read()
            .api_hosts
            .contains(&authority.to_ascii_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::config::TokenPolicy;
    use crate::mock::control_planes::consumer::Consumer;
    use serde_json::json;

    fn org(token: &str) -> OrgId {
        OrgId::from_token(token, TokenPolicy::Any).unwrap()
    }

    fn add_consumer(store: &ControlPlaneStore, org: &OrgId, id: Uuid, delay: Duration) {
        store
            .update(org, id, delay, |c| {
                c.consumers
                    .push(Consumer::parse(&json!({"username": "u"}), None, None, 1)?);
                Ok(())
            })
            .unwrap()
            .unwrap();
    }

    #[test]
    fn names_are_unique_per_org_and_orgs_are_isolated() {
        let store = ControlPlaneStore::default();
        let (a, b) = (org("a"), org("b"));
        store
            .create(&a, ControlPlane::new_for_test("quickstart"))
            .unwrap();
        assert_eq!(
            store.create(&a, ControlPlane::new_for_test("quickstart")),
            Err(CreateError::DuplicateName)
        );
        let other = store
            .create(&b, ControlPlane::new_for_test("quickstart"))
            .unwrap();
        assert_eq!(store.list(&a).len(), 1);
        assert!(store.get(&a, other.id).is_none());
        // The root data plane stays with the first organization that created `quickstart`.
        let first = store.list(&a)[0].id;
        assert_eq!(store.root_data_plane("quickstart", None).unwrap().0, first);
        assert_eq!(
            store.root_data_plane("quickstart", Some(&b)).unwrap().0,
            other.id
        );
        assert!(store.delete(&a, first));
        assert!(store.root_data_plane("quickstart", None).is_none());
    }

    #[test]
    fn changes_reach_the_data_plane_after_the_delay() {
        let store = ControlPlaneStore::default();
        let a = org("a");
        let cp = store.create(&a, ControlPlane::new_for_test("cp")).unwrap();
        add_consumer(&store, &a, cp.id, Duration::from_secs(3600));
        assert_eq!(store.config(&a, cp.id).unwrap().consumers.len(), 1);
        assert_eq!(store.data_plane(cp.id).unwrap().consumers.len(), 0);
        add_consumer(&store, &a, cp.id, Duration::ZERO);
        // A later change made visible at once also carries the earlier one.
        assert_eq!(store.data_plane(cp.id).unwrap().consumers.len(), 2);
    }

    #[test]
    fn failed_changes_publish_nothing() {
        let store = ControlPlaneStore::default();
        let a = org("a");
        let cp = store.create(&a, ControlPlane::new_for_test("cp")).unwrap();
        let result = store
            .update(&a, cp.id, Duration::ZERO, |c| -> Result<(), AdminError> {
                c.consumers
                    .push(Consumer::parse(&json!({"username": "u"}), None, None, 1)?);
                Err(AdminError::NotFound)
            })
            .unwrap();
        assert!(result.is_err());
        assert!(store.config(&a, cp.id).unwrap().consumers.is_empty());
        assert!(
            store
                .update(&org("b"), cp.id, Duration::ZERO, |_| Ok(()))
                .is_none()
        );
    }
}
