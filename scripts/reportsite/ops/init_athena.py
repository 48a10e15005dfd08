"""``reportsite init`` for engine: athena: the workgroups the reports run in exist and run DuckDB, and what the
read role must be allowed for them (README → AWS set-up, Athena)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportsite.config.project import gather_project

QUERY_ACTIONS = ("athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
                 "athena:StopQueryExecution", "athena:GetWorkGroup")


def workgroups(root: Path) -> dict[str, str | None]:
    """Each workgroup a report of the project runs in (engine: athena), with its result location."""
    try:
        project, _ = gather_project(root)
    except Exception:  # no project here (init runs before the first report too)
        return {}
    found: dict[str, str | None] = {}
    for report in project.reports:
        if (report.config.engine or project.site.engine) != "athena":
            continue
        merged: dict[str, Any] = {}
        for settings in (project.site.athena, report.config.athena):
            if settings is not None:
                merged.update({k: v for k, v in settings.model_dump().items() if v is not None})
        if merged.get("workgroup"):
            found[merged["workgroup"]] = merged.get("output_location")
    return found


def check_workgroups(session: Any, found: Any, groups: dict[str, str | None], region: str,
                     account: str) -> list[tuple[str, str]]:
    """Each workgroup exists and runs DuckDB (``found`` gets a line each); the read role's must-haves."""
    from botocore.exceptions import BotoCoreError, ClientError

    athena = session.client("athena")
    must: list[tuple[str, str]] = []
    for name, output in sorted(groups.items()):
        create = (f"aws athena create-work-group --name {name} --configuration "
                  "'{\"EngineVersion\": {\"SelectedEngineVersion\": \"DuckDB\"}}'")
        try:
            group = athena.get_work_group(WorkGroup=name)["WorkGroup"]
        except (BotoCoreError, ClientError) as exc:
            found.missing.append(f"athena.workgroup: {name} cannot be read ({exc}); create it: {create}")
            continue
        version = (group.get("Configuration") or {}).get("EngineVersion") or {}
        engine = version.get("EffectiveEngineVersion") or version.get("SelectedEngineVersion") or "AUTO"
        found.check(engine == "DuckDB", f"athena.workgroup: {name} exists and runs DuckDB",
                    f"athena.workgroup: {name} runs '{engine}', not DuckDB: aws athena update-work-group "
                    f"--work-group {name} --configuration-updates "
                    "'{\"EngineVersion\": {\"SelectedEngineVersion\": \"DuckDB\"}}'")
        arn = f"arn:aws:athena:{region}:{account}:workgroup/{name}"
        must += [(action, arn) for action in QUERY_ACTIONS]
        output = output or ((group.get("Configuration") or {}).get("ResultConfiguration") or {}).get("OutputLocation")
        if output:
            objects = f"arn:aws:s3:::{output.removeprefix('s3://').rstrip('/')}/any-result.csv"
            must += [("s3:GetObject", objects), ("s3:PutObject", objects)]
    return must


__all__ = ["QUERY_ACTIONS", "check_workgroups", "workgroups"]
