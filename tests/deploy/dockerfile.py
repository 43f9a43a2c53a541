"""A Dockerfile linter for the rules that matter here, and Docker's .dockerignore matching.

hadolint (the usual linter) is a Haskell binary that no package registry here ships, so this
implements the subset of its rules this Dockerfile could break, on top of `dockerfile-parse`.
Each rule is named after hadolint's code where there is one (DL...); ORCH... are this project's.
"""

from __future__ import annotations

import io
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from dockerfile_parse import DockerfileParser

from deploy.support import image_is_pinned

SECRET_NAME = re.compile(
    r"(^|_)(SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIALS?)(_|$)", re.I
)


@dataclass
class Instruction:
    keyword: str
    value: str
    line: int


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def env(self) -> dict[str, str]:
        """ENV values as written (KEY=value pairs)."""
        values: dict[str, str] = {}
        for instruction in self.all("ENV"):
            for pair in shlex.split(instruction.value):
                name, _, value = pair.partition("=")
                values[name] = value
        return values


def parse(text: str) -> list[Stage]:
    parser = DockerfileParser(fileobj=io.BytesIO(text.encode()))
    stages: list[Stage] = []
    for item in parser.structure:
        keyword, value = item["instruction"], item["value"]
        if keyword == "FROM":
            words = value.split()
            image = next(w for w in words if not w.startswith("--"))
            name = words[words.index("AS") + 1] if "AS" in words else None
            stages.append(Stage(image, name))
        elif keyword not in {"COMMENT"} and stages:
            stages[-1].instructions.append(Instruction(keyword, value, item["startline"] + 1))
    return stages


def runtime_user(text: str) -> str:
    """The final stage's USER (uid[:gid]): what the Kubernetes pods must run as."""
    return parse(text)[-1].all("USER")[-1].value


def lint(text: str) -> list[str]:
    """Rule violations as "CODE line N: message"; [] when the file is clean."""
    stages = parse(text)
    found: list[str] = []

    def report(code: str, line: int, message: str) -> None:
        found.append(f"{code} line {line}: {message}")

    names = {s.name for s in stages if s.name}
    for stage in stages:
        if stage.image not in names and not image_is_pinned(stage.image):
            report("DL3006/DL3007", 0, f"base image {stage.image} is not pinned to a version")
        for i in stage.instructions:
            if i.keyword == "WORKDIR" and not i.value.startswith("/"):
                report("DL3000", i.line, "WORKDIR must be absolute")
            if i.keyword == "RUN" and re.search(r"(^|&&|;)\s*cd\s", i.value):
                report("DL3003", i.line, "use WORKDIR, not cd")
            if i.keyword == "RUN" and re.search(r"\bsudo\b", i.value):
                report("DL3004", i.line, "no sudo")
            if i.keyword == "ADD" and not re.match(r"(--\S+\s+)*(https?://|\S+\.tar)", i.value):
                report("DL3020", i.line, "COPY, not ADD, for files")
            if i.keyword in {"CMD", "ENTRYPOINT"} and not _is_json_list(i.value):
                report("DL3025", i.line, f"{i.keyword} in exec (JSON) form")
            if i.keyword == "RUN":
                for command in re.split(r"&&|;", i.value):
                    if (
                        re.search(r"\bpip\d?\s+install\b", command)
                        and "--no-cache-dir" not in command
                    ):
                        report("DL3042", i.line, "pip install --no-cache-dir")
                    if "apt-get install" in command and "--no-install-recommends" not in command:
                        report("DL3015", i.line, "apt-get install --no-install-recommends")
                if "|" in i.value.replace("||", "") and "pipefail" not in i.value:
                    report("DL4006", i.line, "set -o pipefail before a pipe")
            if i.keyword in {"ENV", "ARG"}:
                for pair in shlex.split(i.value):
                    name, _, value = pair.partition("=")
                    if SECRET_NAME.search(name) and value:
                        report("ORCH001", i.line, f"{name}: no secrets in {i.keyword}")
    final = stages[-1]
    users = final.all("USER")
    if not users:
        report("DL3002", 0, "the final stage runs as root: add USER")
    elif users[-1].value.split(":")[0] in {"root", "0"}:
        report("DL3002", users[-1].line, "the last USER is root")
    elif not users[-1].value.split(":")[0].isdigit():
        report("ORCH002", users[-1].line, "USER by uid, so Kubernetes can check runAsNonRoot")
    if not final.all("HEALTHCHECK"):
        report("ORCH003", 0, "the final stage has no HEALTHCHECK")
    return found


def _is_json_list(value: str) -> bool:
    try:
        return isinstance(json.loads(value), list)
    except ValueError:
        return False


def ignore_patterns(path: Path) -> list[str]:
    lines = [line.strip() for line in path.read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def _regex(pattern: str) -> re.Pattern[str]:
    """Go filepath.Match with `**`, as Docker's patternmatcher compiles it."""
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def ignored(patterns: list[str], path: str) -> bool:
    """Whether Docker leaves `path` out of the build context: the last matching pattern wins,
    and a pattern that matches a parent folder matches everything under it."""
    parents = [path] + ["/".join(path.split("/")[:n]) for n in range(1, path.count("/") + 1)]
    excluded = False
    for raw in patterns:
        negated = raw.startswith("!")
        pattern = raw.lstrip("!").strip("/")
        regex = _regex(pattern)
        if any(regex.match(p) for p in parents):
            excluded = not negated
    return excluded
