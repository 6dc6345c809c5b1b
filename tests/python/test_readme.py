"""The README's examples run as written: Python blocks executed, shell lines run."""

import json
import re
import shlex
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

README = Path(__file__).parents[2] / "README.md"


def blocks(lang: str) -> list[str]:
    """The README's fenced code blocks in `lang`."""
    return re.findall(rf"```{lang}\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_opens_with_the_two_commands() -> None:
    first = blocks("bash")[0].strip().splitlines()
    assert first[0] == "python3 -m pip install . && chaffless demo"
    assert first[1] == "python3 -m pip install '.[test]' && cargo test && python3 -m pytest"
    ci = (Path(__file__).parents[2] / ".ci" / "run").read_text(encoding="utf-8")
    assert first[1] in ci, ".ci/run must run the README's test command"


@pytest.mark.parametrize("code", blocks("python"))
def test_python_blocks_run(code: str) -> None:
    exec(compile(code, str(README), "exec"), {})


def test_shell_examples_run(tmp_path: Path) -> None:
    pages = resources.files("chaffless") / "examples"
    with (tmp_path / "pages.jsonl").open("w", encoding="utf-8") as f:
        for i, page in enumerate(sorted(p.name for p in pages.iterdir())):
            text = (pages / page).read_text(encoding="utf-8")
            url = f"https://www.example.org/{page}"
            record = {"id": i, "text": text, "name": page, "url": url, "site": "example.org"}
            f.write(json.dumps(record) + "\n")
    exe = [sys.executable, "-m", "chaffless"]
    for line in blocks("bash")[1].strip().splitlines():
        if line.startswith("cat "):
            # `cat pages.jsonl | chaffless clean - -o - ... > clean.jsonl`
            cmd, out = line.split(" | ", 1)[1].split(" > ")
            with (tmp_path / "pages.jsonl").open("rb") as inp, (tmp_path / out).open("wb") as o:
                subprocess.run(
                    exe + shlex.split(cmd)[1:], stdin=inp, stdout=o, cwd=tmp_path, check=True
                )
        else:
            subprocess.run(
                exe + shlex.split(line, comments=True)[1:],
                cwd=tmp_path,
                check=True,
                capture_output=True,
            )
    assert (tmp_path / "clean.jsonl.zst").exists()
    annotated = [json.loads(x) for x in (tmp_path / "annotated.jsonl").read_text().splitlines()]
    assert all(r["spans"] for r in annotated)
    assert len((tmp_path / "clean.jsonl").read_text().splitlines()) == len(annotated)
    assert not (tmp_path / "clean.jsonl.rejects.jsonl").exists()
    assert (tmp_path / "site.model").exists()
