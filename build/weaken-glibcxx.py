#!/usr/bin/env python3
"""Marks the GLIBCXX_3.4.32 version requirement of TorchSharp's native library weak, so it loads on Debian 12.

libLibTorchSharp.so (TorchSharp 0.107.0) asks for GLIBCXX_3.4.32, which Debian 12's libstdc++ (3.4.30) lacks. The only
symbol behind it, _ZSt21ios_base_library_initv, is a marker that nothing calls. A weak version requirement
(VER_FLG_WEAK in the Vernaux entry of .gnu.version_r) tells the dynamic loader that a missing version is not fatal.

Usage: weaken-glibcxx.py FOLDER...   patches every libLibTorchSharp.so below the folders; idempotent.
"""
import os
import struct
import sys

VERSION = b"GLIBCXX_3.4.32"
SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 0x2


def patch(path):
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
            raise SystemExit(f"{path}: not a little-endian 64-bit ELF file")
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
        sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
        changed = 0
        for (_, sh_type, _, _, offset, _, link, info, _, _) in sections:
            if sh_type != SHT_GNU_VERNEED:
                continue
            strtab = sections[link][4]
            need = offset
            for _ in range(info):
                _, count, _, aux, next_need = struct.unpack_from("<HHIII", data, need)
                entry = need + aux
                for _ in range(count):
                    _, flags, _, name, next_aux = struct.unpack_from("<IHHII", data, entry)
                    end = data.index(b"\0", strtab + name)
                    if bytes(data[strtab + name:end]) == VERSION and not flags & VER_FLG_WEAK:
                        struct.pack_into("<H", data, entry + 4, flags | VER_FLG_WEAK)
                        changed += 1
                    entry += next_aux
                need += next_need
        if changed:
            f.seek(0)
            f.write(data)
        return changed


def main(folders):
    for folder in folders:
        for root, _, files in os.walk(folder):
            for name in files:
                if name == "libLibTorchSharp.so":
                    path = os.path.join(root, name)
                    print(f"weaken-glibcxx: {path}: {'patched' if patch(path) else 'already weak'}")


if __name__ == "__main__":
    main(sys.argv[1:])
