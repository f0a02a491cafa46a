#!/usr/bin/env bash
# Builds kernel.elf from source with the pinned compiler (Debian bookworm's gcc 12.2 cross
# compiler, package gcc-riscv64-linux-gnu) and writes its SHA-256 to kernel.sha256. The output
# is byte-for-byte reproducible: CI rebuilds it and compares with the committed binary.
set -euo pipefail
cd "$(dirname "$0")"
CC=${CC:-riscv64-linux-gnu-gcc}
OUT=${1:-kernel.elf}
want="riscv64-linux-gnu-gcc (Debian 12.2.0-13) 12.2.0"
got=$("$CC" --version | head -1)
if [ "$got" != "$want" ]; then
  echo "kernel/build.sh: need $want, have $got" >&2
  exit 1
fi
flags=(-march=rv64ima -mabi=lp64 -mcmodel=medany -ffreestanding -nostdlib -O2
  -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-ident
  -Wall -Wextra -Werror)
# objects get fixed names: the linker records them in the symbol table
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$CC" "${flags[@]}" -c entry.s -o "$tmp/entry.o"
"$CC" "${flags[@]}" -c kernel.c -o "$tmp/kernel.o"
"$CC" "${flags[@]}" -c softfp.c -o "$tmp/softfp.o"
(cd "$tmp" && "$CC" "${flags[@]}" -no-pie -static -Wl,-T,"$OLDPWD/kernel.ld" -Wl,--build-id=none \
  -Wl,--hash-style=sysv -o out.elf entry.o kernel.o softfp.o)
cp "$tmp/out.elf" "$OUT"
if [ "$OUT" = kernel.elf ]; then
  sha256sum kernel.elf | cut -d' ' -f1 > kernel.sha256
fi
