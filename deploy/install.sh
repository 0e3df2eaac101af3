#!/usr/bin/env bash
# Installs (or upgrades) MaskStream as a systemd service from a clone of this repository. Run as root on the
# target machine, which needs the .NET 10 SDK (or publish elsewhere and copy, see docs/DEPLOY.md).
#
#   sudo deploy/install.sh            # publish, install to /opt/maskstream, enable and (re)start maskstream.service
#
# Each run publishes into /opt/maskstream-<version>-<commit> and points the /opt/maskstream link at it, so an upgrade
# is one restart and a rollback is pointing the link back. /etc/maskstream (your settings) is never overwritten.
set -euo pipefail
cd "$(dirname "$0")/.."

[[ $(id -u) -eq 0 ]] || { echo "install.sh: run as root (it creates a user and installs a systemd unit)" >&2; exit 1; }
command -v dotnet >/dev/null || { echo "install.sh: the .NET 10 SDK is required to publish (dotnet not on PATH)" >&2; exit 1; }

link=/opt/maskstream
release="/opt/maskstream-$(git describe --always --dirty 2>/dev/null || date +%Y%m%d%H%M%S)"

echo "install.sh: publishing to $release"
rm -rf "$release"
dotnet publish src/Service -c Release -o "$release" -nologo
# The shipped model beside the executable: Detector:Model (models/maskstream-tiny) is looked up above the
# executable when it is not under the working directory. Training state (checkpoint, training/) stays behind.
install -d "$release/models/maskstream-tiny"
install -m 0644 models/maskstream-tiny/model.json models/maskstream-tiny/*.onnx models/maskstream-tiny/MODEL.md "$release/models/maskstream-tiny/"
install -d "$release/docs"
install -m 0644 docs/DEPLOY.md docs/MQTT.md "$release/docs/"

if ! id -u maskstream >/dev/null 2>&1; then
  echo "install.sh: creating system user maskstream"
  useradd --system --user-group --no-create-home --home-dir /var/lib/maskstream --shell /usr/sbin/nologin maskstream
fi

install -d -m 0750 -o root -g maskstream /etc/maskstream
if [[ ! -e /etc/maskstream/maskstream.env ]]; then
  install -m 0640 -o root -g maskstream deploy/systemd/maskstream.env /etc/maskstream/maskstream.env
fi
if [[ ! -e /etc/maskstream/appsettings.json ]]; then
  # Empty: the shipped /opt/maskstream/appsettings.json applies until you override a key here.
  printf '{\n}\n' > /etc/maskstream/appsettings.json
  chown root:maskstream /etc/maskstream/appsettings.json
  chmod 0640 /etc/maskstream/appsettings.json
fi
install -m 0644 deploy/systemd/maskstream.service /etc/systemd/system/maskstream.service

if [[ -d $link && ! -L $link ]]; then
  # An earlier manual `dotnet publish -o /opt/maskstream`: keep it for a rollback, the link takes its place.
  mv -T "$link" "$link-previous-$(date +%Y%m%d%H%M%S)"
fi
ln -sfn "$release" "$link.new"
mv -T "$link.new" "$link"
systemctl daemon-reload
systemctl enable maskstream.service
systemctl restart maskstream.service
echo "install.sh: $link -> $release; status: systemctl status maskstream; logs: journalctl -u maskstream -f"
