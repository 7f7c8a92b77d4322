"""Markdown rendering of the sample archive: one `Incident` -> one postmortem file.

The frontmatter is written in the mix of keys, aliases and value forms real archives use
(drawn from the `rng` given), then the body; planted defects are applied here. Also the
extra files every sample archive holds (`write_extras`).
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from pathlib import Path

from analytics.sample_data import (
    ACRONYMS,
    CATEGORY_ALIASES,
    CAUSES,
    CONFIG,
    DONE_WORDS,
    DROPPED_WORDS,
    EVENTS,
    LEVEL_NAMES,
    OPEN_WORDS,
    OWNER_ALIASES,
    PR_TEMPLATE,
    PROSE,
    README,
    SCRATCH,
    SERVICE_ALIASES,
    SEVERITY_WORDS,
    TEMPLATE,
    Incident,
    Item,
    team_of,
)


def render_postmortem(incident: Incident, rng: random.Random, body_kb: float) -> str:
    frontmatter = _frontmatter(incident, rng)
    body = _body(incident, rng, body_kb)
    closing = [] if incident.defect == "unclosed-frontmatter" else ["---"]
    return "\n".join(["---", *frontmatter, *closing, "", *body])


def write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def write_extras(out: Path) -> None:
    extras = {
        "postmortems.toml": CONFIG,
        "README.md": README,
        "templates/postmortem.md": TEMPLATE,
        ".github/pull_request_template.md": PR_TEMPLATE,
        "scratch/retro-ideas.md": SCRATCH,
    }
    for name, text in extras.items():
        write_text(out / name, text)


def display_name(service: str) -> str:
    words = [ACRONYMS.get(word, word) for word in service.split("-")]
    return " ".join(words)[0].upper() + " ".join(words)[1:]


def _scalar(value: str) -> str:
    """A YAML scalar: plain when YAML reads it back as the same string, else double-quoted."""
    if re.fullmatch(r"[A-Za-z][\w .,/()+&'@-]*", value) and not re.search(r": | #", value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _flow(values: list[str]) -> str:
    return "[" + ", ".join(values) + "]"


def _when(rng: random.Random, moment: datetime, form: str = "") -> str:
    form = form or rng.choices(("z", "naive", "offset"), weights=(60, 25, 15))[0]
    if form == "date":
        return f"{moment:%Y-%m-%d}"
    if form == "naive":
        return f"{moment:%Y-%m-%d %H:%M}"
    if form == "offset":
        minutes = rng.choice((60, 120, -300, -480, 330))
        local = moment + timedelta(minutes=minutes)
        sign, absolute = ("+" if minutes >= 0 else "-"), abs(minutes)
        return f"{local:%Y-%m-%dT%H:%M:%S}{sign}{absolute // 60:02d}:{absolute % 60:02d}"
    return f"{moment:%Y-%m-%dT%H:%M:%S}Z"


def _level(rng: random.Random, level: str) -> str:
    name = LEVEL_NAMES[level]
    forms = (level, level, level, level[1], name, f"{level} {name.capitalize()}", level.lower())
    return rng.choice(forms)


def _status(rng: random.Random, status: str) -> str:
    words = {"open": OPEN_WORDS, "done": DONE_WORDS, "dropped": DROPPED_WORDS}.get(status)
    if words is None:
        return status  # already the words an author wrote
    return status if rng.random() < 0.5 else rng.choice(words)


def _name(rng: random.Random, value: str, aliases: dict[str, str]) -> str:
    if value in aliases and rng.random() < 0.3:
        return aliases[value]
    if rng.random() < 0.04:
        return display_name(value) if value.endswith("-api") else value.replace("-", "_").title()
    return value


def _item_lines(rng: random.Random, item: Item, fix: bool) -> list[str]:
    title_key = rng.choice(
        ("summary", "summary", "title")
        if fix
        else ("title", "title", "summary", "action", "description")
    )
    lines = [f"{title_key}: {_scalar(item.title)}"]
    if item.level:
        lines.append(f"level: {_level(rng, item.level)}")
    if item.owner:
        owner = _name(rng, item.owner, OWNER_ALIASES)
        lines.append(f"{rng.choice(('owner', 'owner', 'assignee'))}: {_scalar(owner)}")
    if item.due:
        lines.append(f"{rng.choice(('due', 'due', 'due_date'))}: {item.due}")
    if fix and item.test:
        key = rng.choice(("test", "test", "verification", "testable"))
        lines.append(f"{key}: {_scalar(item.test)}")
    if not (item.done and rng.random() < 0.08):  # a done date alone means done
        lines.append(f"status: {_scalar(_status(rng, item.status))}")
    if item.done:
        key = rng.choice(("done", "done", "closed", "completed", "done_at", "closed_at"))
        lines.append(f"{key}: {item.done}")
    if item.ticket:
        lines.append(f"{rng.choice(('ticket', 'ticket', 'issue', 'bug'))}: {item.ticket}")
    return lines


def _frontmatter(incident: Incident, rng: random.Random) -> list[str]:
    fm: dict[str, list[str]] = {}
    id_key = rng.choices(("id", "incident_id", "key", ""), weights=(70, 10, 5, 15))[0]
    fm["id"] = [f"{id_key}: {incident.id}"] if id_key else []
    fm["title"] = [f"title: {_scalar(incident.title)}"] if rng.random() < 0.9 else []
    fm["status"] = [f"status: {incident.status}"]
    sev = incident.severity
    fm["severity"] = [
        rng.choices(
            (
                f"severity: SEV{sev}",
                f"sev: {sev}",
                f"priority: P{sev}",
                f"severity: {rng.choice(SEVERITY_WORDS[sev])}",
                f"severity: sev-{sev}",
                f"severity: S{sev}",
            ),
            weights=(50, 12, 12, 12, 7, 7),
        )[0]
    ]
    services = [_name(rng, s, SERVICE_ALIASES) for s in incident.services]
    if len(services) == 1 and rng.random() < 0.35:
        fm["services"] = [f"service: {_scalar(services[0])}"]
    else:
        key = rng.choices(("services", "affected_services", "components"), weights=(8, 1, 1))[0]
        fm["services"] = [f"{key}: {_flow([_scalar(s) for s in services])}"]
    categories = [_name(rng, c, CATEGORY_ALIASES) for c in incident.categories]
    if len(categories) > 1:
        fm["category"] = [f"categories: {_flow(categories)}"]
    else:
        fm["category"] = [f"{rng.choice(('category', 'category', 'type'))}: {categories[0]}"]
    if incident.tags:
        fm["tags"] = [f"{rng.choice(('tags', 'tags', 'labels'))}: {_flow(incident.tags)}"]
    team = team_of(incident.services[0])
    fm["teams"] = [rng.choice((f"teams: [{team}]", f"team: {team}", f"owner_team: {team}"))]
    key = rng.choices(
        ("started", "started_at", "start", "incident_start", "incident_date", "date"),
        weights=(55, 15, 8, 8, 10, 4),
    )[0]
    form = "date" if key in ("incident_date", "date") else ""
    fm["started"] = [f"{key}: {_when(rng, incident.started, form)}"]
    if incident.detected:
        key = rng.choice(("detected", "detected", "detected_at"))
        fm["detected"] = [f"{key}: {_when(rng, incident.detected)}"]
    if incident.resolved:
        key = rng.choices(
            ("resolved", "resolved_at", "ended", "end", "incident_end"), weights=(60, 20, 8, 6, 6)
        )[0]
        fm["resolved"] = [f"{key}: {_when(rng, incident.resolved)}"]
    if incident.postmortem:
        key = rng.choices(
            ("postmortem_date", "written", "published", "reviewed_at", "postmortem_at"),
            weights=(60, 10, 15, 10, 5),
        )[0]
        anchor = incident.resolved or incident.started
        days_after = (incident.postmortem.date() - anchor.date()).days
        form = "date" if days_after >= 2 and rng.random() < 0.3 else ""
        fm["postmortem"] = [f"{key}: {_when(rng, incident.postmortem, form)}"]
    if incident.timeline:
        word = incident.timeline
        if rng.random() < 0.3:
            word = {"during": rng.choice(("live", "realtime")), "after": "reconstructed"}[word]
        fm["timeline"] = [f"{rng.choice(('timeline_written', 'timeline'))}: {word}"]
    if incident.chain_level:
        key = rng.choices(("chain_level", "root_level", "level"), weights=(80, 12, 8))[0]
        fm["chain_level"] = [f"{key}: {_scalar(_level(rng, incident.chain_level))}"]
    key = rng.choices(("authors", "participants", "people"), weights=(80, 12, 8))[0]
    fm["authors"] = [f"{key}: {_flow(incident.authors)}"]
    if len(incident.fixes) == 1:
        fm["fix"] = ["fix:"] + ["  " + line for line in _item_lines(rng, incident.fixes[0], True)]
    elif incident.fixes:
        fm["fix"] = ["fix:"]
        for fix in incident.fixes:
            lines = _item_lines(rng, fix, True)
            fm["fix"] += ["  - " + lines[0]] + ["    " + line for line in lines[1:]]
    if incident.actions and not incident.body_actions:
        key = rng.choices(("actions", "action_items", "follow_ups"), weights=(80, 12, 8))[0]
        fm["actions"] = [f"{key}:"]
        for action in incident.actions:
            if action.owner is None and rng.random() < 0.6:  # a bare line, as people write
                fm["actions"].append(f"  - {_scalar(action.title)}")
                continue
            lines = _item_lines(rng, action, False)
            fm["actions"] += ["  - " + lines[0]] + ["    " + line for line in lines[1:]]
    _apply_defect(incident, fm)
    for key, raw in incident.overrides.items():
        if key in fm:
            fm[key] = raw.splitlines()
    return [line for lines in fm.values() for line in lines]


def _apply_defect(incident: Incident, fm: dict[str, list[str]]) -> None:
    if incident.defect == "malformed-yaml":
        fm["services"] = [f"services: [{incident.services[0]}, api-gateway"]
    elif incident.defect == "impossible-date":
        fm["resolved"] = [f"resolved: {incident.started.year}-13-45"]
    elif incident.defect == "missing-started":
        fm["started"] = []
    elif incident.defect == "unknown-severity":
        fm["severity"] = ["severity: SEV9"]
    elif incident.defect == "mapping-for-list":
        action = incident.actions[0]
        fm["actions"] = [
            "actions:",
            f"  title: {action.title}",
            f"  owner: {action.owner}",
            f"  due: {action.due}",
            "  status: open",
        ]


def _body(incident: Incident, rng: random.Random, body_kb: float) -> list[str]:
    svc = incident.services[0]
    words = {"s": svc, "S": display_name(svc), "team": team_of(svc)}
    lasted = (incident.resolved or incident.started + timedelta(hours=1)) - incident.started
    minutes = int(lasted.total_seconds() // 60)
    share = {
        1: rng.randint(40, 100),
        2: rng.randint(10, 40),
        3: rng.randint(2, 10),
        4: rng.randint(1, 3),
    }[incident.severity]
    people = incident.authors
    timeline = [f"- {incident.started:%H:%M} First errors on {svc}."]
    if incident.detected:
        timeline.append(f"- {incident.detected:%H:%M} {people[0]} acknowledged the page.")
    middle = incident.started + lasted / 2
    event = rng.choice(EVENTS).format(**words)
    timeline.append(f"- {middle:%H:%M} {rng.choice(people)} {event}.")
    if incident.resolved:
        timeline.append(f"- {incident.resolved:%H:%M} Error rate back to baseline; resolved.")
    lines = [
        f"# {incident.title}",
        "",
        "## Summary",
        "",
        f"On {incident.started:%Y-%m-%d}, {display_name(svc)} was degraded for {minutes} minutes "
        f"(SEV{incident.severity}). " + CAUSES[incident.categories[0]].format(**words),
        "",
        "## Impact",
        "",
        f"About {share}% of requests to {svc} failed or timed out during the incident.",
        "",
        "## Timeline",
        "",
        "All times UTC.",
        "",
        *timeline,
        "",
        "## Root cause",
        "",
        " ".join(rng.sample(PROSE, 2)).format(**words),
        "",
    ]
    target = int(body_kb * 1024)
    size = sum(len(line) + 1 for line in lines)
    if size < target - 200:
        lines += ["## Contributing factors", ""]
        while size < target - 200:
            paragraph = " ".join(rng.sample(PROSE, 4)).format(**words)
            lines += [paragraph, ""]
            size += len(paragraph) + 2
    lines += ["## Lessons learned", "", f"- {rng.choice(PROSE).format(**words)}", ""]
    if incident.body_actions:
        lines += [incident.overrides["body_heading"], ""]
        lines += _body_actions(incident, rng) + [""]
    return lines


def _body_actions(incident: Incident, rng: random.Random) -> list[str]:
    kind = incident.body_actions
    actions = incident.actions
    if kind == "checklist":
        rows = []
        for a in actions:
            mark = "x" if a.status == "done" else " "
            details = [f"owner: @{a.owner}"] if a.owner else []
            details += [f"due {a.due}"] if a.due else []
            details += [f"ticket: {a.ticket}"] if a.ticket else []
            suffix = f" ({', '.join(details)})" if details else ""
            rows.append(f"- [{mark}] {a.title}{suffix}")
        return rows
    if kind == "google":
        rows = ["| Action Item | Type | Owner | Bug |", "| --- | --- | --- | --- |"]
        for a in actions:
            marker = "DONE" if a.status == "done" else "TODO"
            level = LEVEL_NAMES[a.level] if a.level else "-"
            rows.append(
                f"| {a.title} | {level} | {a.owner or '-'} | {a.ticket or 'n/a'} {marker} |"
            )
        return rows
    rows = ["| Action | Owner | Due | Status | Ticket |", "| --- | --- | --- | --- | --- |"]
    for a in actions:
        marker = "DONE" if a.status == "done" else "TODO"
        owner = f"@{a.owner}" if a.owner else "-"
        rows.append(f"| {a.title} | {owner} | {a.due or '-'} | {marker} | {a.ticket or '-'} |")
    return rows
