"""Phased plans for goals that are not one database pattern: API changes, infrastructure moves, and the
general plan for a goal the planner does not recognise. Each phase has its steps, its checks and its
rollback; what only the user's project can tell is listed for the agent to fill in.
"""

import re

from .model import API, INFRASTRUCTURE, Phase, Plan

_API_VERSION = re.compile(r"\b(v\d+(?:\.\d+)*)\b", re.IGNORECASE)


def api_plan(goal: str, dialect: str) -> Plan:
    found = _API_VERSION.search(goal)
    old = found.group(1).lower() if found else "the old API"
    phases = [
        Phase("inventory", "inventory the consumers", [
            f"List every endpoint of {old} and who calls it: API keys or client ids in the access logs of the last "
            "30-90 days, per endpoint, with request counts.",
            "Map each consumer to an owner and a contact; mark internal, partner and public consumers.",
            "Name the replacement for every endpoint (or say it has none).",
        ], verify=[f"Every {old} endpoint has a replacement or an explicit 'none', and every consumer seen in the logs "
                   "has an owner."],
            rollback=["Nothing to undo: this phase only reads."]),
        Phase("announce", "announce the deprecation", [
            "Publish the deprecation and the sunset date (at least 3-6 months out for external consumers) in the "
            "changelog, the documentation and a direct message to each owner.",
            f"Send on every {old} response the headers `Deprecation: @<unix time of the deprecation>` (RFC 9745) and "
            "`Sunset: <HTTP-date of the removal>` (RFC 8594), with `Link: <migration guide URL>; rel=\"deprecation\"`.",
            "Mark the endpoints deprecated in the OpenAPI or GraphQL schema.",
        ], verify=["A request to each old endpoint returns the Deprecation and Sunset headers (curl -I).",
                   "Every owner acknowledged the date."],
            rollback=["Remove the headers and withdraw the notice; nothing changed for consumers."]),
        Phase("dual-run", "run old and new side by side", [
            "Serve the old and the new endpoints from the same data; the old ones call the new code path where they can, "
            "so there is one implementation to keep correct.",
            "Offer a migration guide with request and response mappings, and a test environment.",
        ], verify=["Contract tests pass for both versions.",
                   "Error rates and latency of the old endpoints did not change."],
            rollback=["Route the old endpoints back to their original implementation."]),
        Phase("monitor", "watch the traffic move", [
            f"Track {old} requests per consumer per day on a dashboard; follow up with each consumer still calling.",
            "Alert when a new consumer starts calling a deprecated endpoint.",
        ], verify=[f"{old} traffic trends to zero; the consumers left are known and have a date."],
            rollback=["Extend the sunset date (update the Sunset header and tell the owners) if a consumer cannot move in time."]),
        Phase("brownout", "brownouts before removal", [
            f"Fail {old} requests for short, announced windows (e.g. 10 minutes, then 1 hour, then a day) with 410 Gone "
            "and a body that points to the migration guide, so forgotten consumers surface while rollback is trivial.",
        ], verify=["Who called during each brownout, and whether they have moved since."],
            rollback=["End the brownout at once (a feature flag); the endpoints are still there."]),
        Phase("removal", "remove the old endpoints", [
            f"After the sunset date: answer {old} with 410 Gone for a while, then delete the routes, code, tests and "
            "documentation.",
            "Keep the gateway rule that answers 410 so the logs still show stragglers.",
        ], verify=["No 5xx from the removal; 410 responses trend to zero."],
            rollback=["Redeploy the last release that served the endpoints (keep it tagged until the 410 traffic has stopped)."]),
    ]
    return Plan(API, goal, "api-deprecation", dialect,
                f"Deprecate and remove {old} in public phases: consumers are found, told, given time and a replacement, "
                "warned by brownouts, and only then cut off.",
                phases, fill_in=[
                    f"the {old} endpoints and their replacements (routes, OpenAPI or GraphQL schema of the project)",
                    "where access logs are and which field identifies a consumer (API key, client id, user agent)",
                    "the sunset date and the deprecation date, and who approves them",
                    "how the project sets response headers (middleware, gateway or framework hook)",
                    "how consumers are contacted",
                ])


def infrastructure_plan(goal: str, dialect: str) -> Plan:
    phases = [
        Phase("inventory", "inventory what moves", [
            "List every service, scheduled job, queue, cache, database and secret that moves, with its dependencies, "
            "ports, volumes and external endpoints (DNS names, IP allow-lists, webhooks).",
            "Write down the current capacity, SLOs and a baseline of latency and error rates.",
        ], verify=["Every running process on the old platform is in the inventory (compare with the process list and "
                   "the billing or host list)."],
            rollback=["Nothing to undo: this phase only reads."]),
        Phase("preparation", "build the target platform", [
            "Provision the target (cluster, network, registries, secrets, observability) as code.",
            "Package each service for the target (container images, manifests or charts, health and readiness probes, "
            "resource requests and limits); configuration comes from the environment, not from the host.",
            "Rehearse the whole move on a staging environment first.",
        ], verify=["Each service starts on the target and passes its health checks with staging data.",
                   "Logs, metrics and alerts of the target arrive where the team looks."],
            rollback=["Tear down the target; the old platform still serves everything."]),
        Phase("data-sync", "keep the data in sync", [
            "Replicate stateful data to the target continuously (database replication or logical replication, object "
            "storage sync) rather than copying once; measure the lag.",
            "Decide which side writes: during the parallel run only the old side writes; the target reads replicas.",
        ], verify=["Replication lag is seconds, not minutes; row counts and checksums of the main tables match."],
            rollback=["Stop replication and drop the target's copy; the old side's data was never touched."]),
        Phase("parallel-run", "run both in parallel", [
            "Run the services on the target against the synced data without user traffic: shadow or mirrored requests, "
            "synthetic checks, batch jobs in dry-run.",
            "Compare responses, latency and resource use with the baseline.",
        ], verify=["Mirrored responses match; latency and error rates are within the SLO."],
            rollback=["Stop the target's services; no user saw them."]),
        Phase("canary", "shift traffic gradually", [
            "Send 1%, then 5%, 25%, 50% of traffic to the target (weighted DNS, load balancer or service mesh), holding "
            "each step long enough to see errors, latency and saturation.",
            "Keep sessions and caches consistent across both sides (sticky sessions or a shared store).",
        ], verify=["At each step: error rate, latency and saturation of the target within the SLO before the next step."],
            rollback=["Set the target's weight back to 0%: traffic returns to the old platform within the DNS TTL or at once "
                      "for a load balancer (keep DNS TTLs low, e.g. 60 s, from a day before)."]),
        Phase("cutover", "cut over", [
            "In a low-traffic window: stop writes on the old side, wait for replication to catch up, promote the "
            "target's data store, point all traffic and writers at the target.",
            "Keep the old platform running read-only, able to take traffic back.",
        ], verify=["All traffic on the target; no writes reach the old side; replication lag was zero at the switch."],
            rollback=["Point traffic back at the old platform and reverse the replication (target to old) for any writes "
                      "made since the switch: plan and rehearse this reverse sync before the cutover."]),
        Phase("decommission", "decommission the old platform", [
            "After a soak period with no rollback (e.g. two weeks): take final backups of the old data, remove DNS "
            "records, firewall rules and credentials, then shut down and delete the old resources.",
        ], verify=["Nothing calls the old endpoints (logs, flow logs); costs of the old platform drop to zero."],
            rollback=["Restore from the final backups onto new resources (slow: this is the point of no return)."]),
    ]
    return Plan(INFRASTRUCTURE, goal, "infrastructure-move", dialect,
                "Move the system in reversible phases: inventory, a prepared target, continuous data sync, a parallel "
                "run, a gradual traffic shift, the cutover, and only then the decommission.",
                phases, fill_in=[
                    "the services, jobs and data stores of the project and how each is deployed today",
                    "the target platform's details (cluster, namespaces, registry, how secrets are managed)",
                    "how traffic is routed today (DNS, load balancer) and who can change it",
                    "the data stores that need syncing and the replication each supports",
                    "the SLOs and dashboards that decide each canary step",
                ])


def general_plan(goal: str, kind: str | None, dialect: str, recognised: list[str]) -> Plan:
    """For a goal no pattern fits: the expand-contract frame in words, never specific SQL that could be wrong."""
    phases = [
        Phase("expand", "add the new structure alongside the old", [
            "Add what the goal needs (tables, columns, indexes, endpoints, services) without removing or changing "
            "anything the running version uses.",
        ], verify=["The running version works unchanged (tests, error rates)."],
            rollback=["Remove what was added; nothing used it yet."]),
        Phase("migrate", "move the data and keep both in sync", [
            "Copy existing data to the new structure in small batches, and keep new writes flowing to both (triggers, "
            "dual writes or replication) until the switch.",
        ], verify=["Old and new hold the same data (counts, checksums, a query that lists differences returns nothing)."],
            rollback=["Stop the sync and drop the copied data."]),
        Phase("deploy", "switch the application", [
            "Release the version that uses the new structure; keep the old one synced so the release can be rolled back.",
        ], verify=["No reader or writer of the old structure remains (logs, query statistics)."],
            rollback=["Redeploy the previous version."]),
        Phase("contract", "remove the old structure", [
            "Once nothing uses it and a backup exists, remove the old structure.",
        ], verify=["The old structure is gone and nothing fails."],
            rollback=["Restore it from the backup; data written since then exists only in the new structure."]),
    ]
    return Plan(kind, goal, None, dialect,
                "The planner did not recognise this goal, so this is the general expand-contract plan in words: "
                "no SQL was generated.",
                phases,
                fill_in=["what exactly changes (tables, columns, endpoints or services), so the phases can be made concrete"],
                notes=["Goals the planner recognises: " + "; ".join(recognised)
                       + "; and API or infrastructure moves (\"deprecate v1 endpoints\", \"move to kubernetes\")."])
