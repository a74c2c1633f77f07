#!/usr/bin/env bash
# Installs the Debian packages some tests need (a real browser with Chinese fonts, Java for Spark)
# when they are missing and we run as root; otherwise says exactly what to install.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "安装系统软件包 / installing system packages: ${missing[*]}"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "缺少系统软件包，相关测试将跳过 / missing system packages, their tests will be skipped:"
    echo "    sudo apt-get install ${missing[*]}"
fi
