"""Regenerate the Python protobuf/gRPC code from proto/ into client/tcoapi/.

The one way generated code is produced (temporalio's habit): committed, never edited by hand,
never linted, and diff-checked in CI (`make proto-check`). Uses grpcio-tools' bundled protoc and
mypy-protobuf for the .pyi stubs, at the versions pinned in constraints.txt.

Imports of vendored third-party protos (`third_party/googleapis`, e.g. google/rpc/status.proto)
resolve through `-I`, but no Python is generated for them: at run time `google.rpc.status_pb2`
comes from the googleapis-common-protos package, so only proto/ is compiled.

It also writes ``client/tcoapi/v1/descriptor_set.binpb``: a FileDescriptorSet of proto/ and its
imports with source info (``--include_source_info``), so that server reflection
(``tco_server.reflection``) serves the contract's comments.

Usage: python scripts/gen_proto.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "proto"
#: Include path of vendored protos: imported by ours, never generated here.
THIRD_PARTY = ROOT / "third_party" / "googleapis"
OUT = ROOT / "client"
PACKAGE = OUT / "tcoapi"
#: The contract as a FileDescriptorSet with comments (source info), for server reflection.
DESCRIPTOR_SET = PACKAGE / "v1" / "descriptor_set.binpb"

HEADER = '"""Generated from proto/ by scripts/gen_proto.py. Do not edit."""\n'


def main() -> int:
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))
    if PACKAGE.exists():
        shutil.rmtree(PACKAGE)
    bindir = Path(sys.executable).parent
    cmd = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{THIRD_PARTY}",
        f"--python_out={OUT}",
        f"--grpc_python_out={OUT}",
        f"--plugin=protoc-gen-mypy={bindir / 'protoc-gen-mypy'}",
        f"--plugin=protoc-gen-mypy_grpc={bindir / 'protoc-gen-mypy_grpc'}",
        f"--mypy_out={OUT}",
        f"--mypy_grpc_out={OUT}",
        *protos,
    ]
    subprocess.run(cmd, check=True, cwd=PROTO_ROOT)
    descriptor_set = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{THIRD_PARTY}",
        "--include_imports",
        "--include_source_info",
        f"--descriptor_set_out={DESCRIPTOR_SET}",
        *protos,
    ]
    subprocess.run(descriptor_set, check=True, cwd=PROTO_ROOT)
    for folder in [PACKAGE, *sorted(p for p in PACKAGE.rglob("*") if p.is_dir())]:
        (folder / "__init__.py").write_text(HEADER)
    (PACKAGE / "py.typed").write_text("")
    print(f"generated {len(protos)} proto files into {PACKAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
