"""README.txt of a bundle: what it holds and how to check it offline, in Chinese and English."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hub.evidence._names import MANIFEST

_LABELS = (
    ("letter_number", "函证编号 / Letter number"),
    ("confirmation_id", "函证业务编号 / Confirmation id"),
    ("created_at", "生成时间 / Created at"),
)

_HOW = """\
离线验证 / How to verify offline
================================

无需联网，也无需电子函证中心的数据库。
No network and no database of the hub are needed.

1. 用电子函证中心的命令 / With the hub's command:

       hub verify bundle.zip

   退出码 0 表示全部通过，1 表示有问题（报告会指出出问题的文件）。
   Exit code 0 means everything checks out; 1 means a problem (the report names the file).

2. 手工验证 / By hand:

   a) 解压后，逐个计算文件的 SHA-256，与 manifest.json 中的 "sha256" 和 "size" 比对；
      除 manifest.json、manifest.seal.pdf 和 README.txt 外，不得有清单未列出的文件。
      Unzip, compute every file's SHA-256 and compare it and the size with "sha256" and
      "size" in manifest.json; no file may be there that the manifest does not list
      (apart from manifest.json, manifest.seal.pdf and README.txt):

          sha256sum letter.pdf reply.pdf

   b) 核对信任锚：trust/root.pem 的指纹须与会计师事务所或电子函证中心公布的一致；
      证据力来自 PDF 的签名和一个独立核实过的根证书。
      Check the trust anchor: the fingerprint of trust/root.pem must equal the one the
      firm or the hub publishes; the proof lies in the PDFs' signatures and in a root
      certificate checked independently:

          openssl x509 -in trust/root.pem -noout -fingerprint -sha256

   c) 用 pdfsig（poppler）或任何 PAdES 验证工具验证每个 PDF 的签名，只信任
      trust/root.pem，吊销信息用 revocation/ 中的 CRL，证书链见 certificates/；
      签名须与 manifest.json 中 "signatures" 所列一致。
      Validate each PDF's signatures with pdfsig (poppler) or any PAdES validator,
      trusting only trust/root.pem, with the CRLs in revocation/ and the chains in
      certificates/; they must be the ones listed under "signatures" in manifest.json:

          certutil -N -d sql:nss --empty-password
          certutil -A -d sql:nss -n bundle-root -t C,C,C -i trust/root.pem
          pdfsig -nssdir sql:nss letter.pdf

   d) 清单签章页 manifest.seal.pdf 由电子函证中心盖章（同样用 pdfsig 验证），其文档关键字
      （Keywords）载有 manifest.json 的 SHA-256，须与 sha256sum manifest.json 一致：
      这证明清单连同其所列文件都是电子函证中心封装时的原样。
      manifest.seal.pdf is sealed by the hub (validate it with pdfsig too); its Keywords
      carry the SHA-256 of manifest.json, which must equal `sha256sum manifest.json`: this
      proves the manifest, and so every file it lists, is as the hub packed it:

          pdfinfo manifest.seal.pdf | grep Keywords
          sha256sum manifest.json
"""


def readme(metadata: Mapping[str, Any], names: Iterable[str]) -> bytes:
    """The README for a bundle with ``metadata`` holding the files ``names``."""
    lines = ["电子函证证据包 / Evidence bundle of an electronic confirmation", ""]
    lines += [f"{label}: {metadata[key]}" for key, label in _LABELS
              if metadata.get(key) is not None]
    lines += ["", "内容 / Contents", "==============", ""]
    lines += [f"  {MANIFEST}  清单：各文件的 SHA-256、大小及 PDF 的签名 / "
              "every file's SHA-256 and size, and each PDF's signatures"]
    lines += [f"  {name}" for name in names]
    lines += ["", _HOW]
    return "\n".join(lines).encode("utf-8")
