//! Which plugin instances run for a matched route: [`applicable`], with Kong's precedence
//! (per plugin name, the most specific instance wins: route and service, then route, then
//! service, then global).
//!
//! Consumer-scoped instances are not considered: they apply only once a consumer is known,
//! and the one plugin the mock runs (`openid-connect`) cannot be consumer-scoped.

use crate::mock::control_planes::CoreConfig;
use crate::mock::control_planes::plugin::Plugin;
use crate::mock::control_planes::route::Route;

fn specificity(plugin: &Plugin) -> u8 {
    match (plugin.scope.route.is_some(), plugin.scope.service.is_some()) {
        (true, true) => 3,
        (true, false) => 2,
        (false, true) => 1,
        (false, false) => 0,
    }
}

/// The plugin instances to run for `route`, one per plugin name, in configuration order.
pub fn applicable<'a>(config: &'a CoreConfig, route: &Route) -> Vec<&'a Plugin> {
    let candidates = config.plugins.iter().filter(|p| {
        p.enabled
            && p.scope.consumer.is_none()
            && p.protocols.iter().any(|proto| proto == "http")
            && p.scope.route.is_none_or(|r| r == route.id)
            && p.scope.service.is_none_or(|s| Some(s) == route.service)
    });
    let mut chosen: Vec<&Plugin> = Vec::new();
    for plugin in candidates {
        match chosen.iter_mut().find(|c| c.name == plugin.name) {
            Some(existing) if specificity(plugin) > specificity(existing) => *existing = plugin,
            Some(_) => {}
            None => chosen.push(plugin),
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::control_planes::plugin::Scope;
    use crate::mock::control_planes::service::Service;
    use serde_json::json;

    #[test]
    fn the_most_specific_instance_wins() {
        let service = Service::parse(&json!({"host": "h"}), None, None, 1).unwrap();
        let mut config = CoreConfig {
            services: vec![service.clone()],
            ..CoreConfig::default()
        };
        let route = Route::parse(
            &json!({"paths": ["/"], "service": {"id": service.id}}),
            None,
            None,
            1,
            &config,
            None,
        )
        .unwrap();
        config.routes.push(route.clone());
        let oidc = |scope: Scope, issuer: &str| {
            Plugin::parse(
                &json!({"name": "openid-connect", "config": {"issuer": issuer}}),
                None,
                None,
                1,
                &config,
                scope,
                false,
            )
            .unwrap()
        };
        let global = oidc(Scope::default(), "http://global");
        let on_service = oidc(
            Scope {
                service: Some(service.id),
                ..Scope::default()
            },
            "http://service",
        );
        let mut disabled = oidc(
            Scope {
                route: Some(route.id),
                ..Scope::default()
            },
            "http://route",
        );
        disabled.enabled = false;
        config.plugins = vec![global, on_service, disabled];
        let chosen = applicable(&config, &route);
        assert_eq!(chosen.len(), 1);
        assert_eq!(chosen[0].config["issuer"], "http://service");
    }
}
