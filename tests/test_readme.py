"""Every Python snippet of the README runs as written (in a fresh interpreter, in an empty folder)."""

import os
import re
import subprocess
import sys

import pytest

README = os.path.join(os.path.dirname(__file__), "..", "README.md")


def snippets():
    if not os.path.exists(README):
        return []
    text = open(README).read()
    blocks = re.findall(r"^( *)```python\n(.*?)^\1```", text, flags=re.S | re.M)
    return [re.sub(rf"^{indent}", "", body, flags=re.M) for indent, body in blocks]


@pytest.mark.skipif(not os.path.exists(README), reason="README.md is not next to tests/ (an installed copy)")
@pytest.mark.parametrize("index", range(len(snippets())))
def test_readme_snippet_runs(index, tmp_path):
    code = snippets()[index]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOFTROUND_OPS_")}
    env.update(TF_CPP_MIN_LOG_LEVEL="3", SOFTROUND_OPS_STRICT="1")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"snippet {index}:\n{code}\n{result.stderr[-3000:]}"


@pytest.mark.skipif(not os.path.exists(README), reason="README.md is not next to tests/ (an installed copy)")
def test_the_readme_has_snippets():
    assert len(snippets()) >= 6
