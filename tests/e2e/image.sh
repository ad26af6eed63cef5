#!/usr/bin/env bash
# Container images end to end: the formats (docker-archive with gzip layers,
# OCI layout tar with a zstd layer, OCI layout directory, nested index,
# legacy docker save, several images in one archive, an image inside a
# walked directory), whiteouts and opaque directories, a secret deleted by
# a later layer, the inventory in the store, and hostile archives: entries
# leaving the root, links pointing outside, sizes that lie, a gzip bomb,
# truncated archives, missing layers, configs that are not JSON, digests
# that do not match. Each is an error finding, never a crash or a write.
set -u
. "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
mk="$here/../../fixtures/images/make-image.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

scan_json() { # scan_json NAME TARGET...: scans into $tmp/NAME.json
	local name=$1; shift
	run_assay scan "$@" --db "$tmp/$name.db" --fail-on none -q -o "$tmp/$name.json"
}
findings() { jq -r --arg r "$2" '.findings[] | select(.rule == $r) | .path + " | " + .message' "$1"; }
pe() { jq -r '.findings[] | select(.rule == "assay.parse-error") | .path + ": " + .message' "$1"; }

# --- Layers: a setuid tool, a secret, a package database; whiteouts on top.
L="$tmp/layers"
mkdir -p "$L/1/etc" "$L/1/app/cache" "$L/1/usr/bin" "$L/1/var/lib/dpkg" "$L/1/lib/apk/db" "$L/2/app" "$L/3/app/cache"
echo "root:x:0:0::/root:/bin/sh" >"$L/1/etc/passwd"
printf '#!/bin/sh\n' >"$L/1/usr/bin/passwd" && chmod 4755 "$L/1/usr/bin/passwd"
secret="ghp_Zq8Xv2Lm5Nb7Kc4Jd9Hf3Gs6Ta1Wy0Re2Pu8"
printf 'GITHUB_TOKEN=%s\n' "$secret" >"$L/1/app/.env"
echo "cached" >"$L/1/app/cache/old.bin"
printf 'Package: libc6\nStatus: install ok installed\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\n\nPackage: removed\nStatus: deinstall ok config-files\nVersion: 1.0\n\nPackage: openssl\nStatus: install ok installed\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\n' >"$L/1/var/lib/dpkg/status"
printf 'P:musl\nV:1.2.4-r2\nA:x86_64\n\nP:busybox\nV:1.36.1-r5\nA:x86_64\n' >"$L/1/lib/apk/db/installed"
touch "$L/2/app/.wh..env"            # layer 2 deletes the secret
echo "print('hi')" >"$L/2/app/main.py"
touch "$L/3/app/cache/.wh..wh..opq"   # layer 3 empties the cache directory
echo "new" >"$L/3/app/cache/new.bin"

# --- docker-archive, two gzip layers (and a third, uncompressed).
"$mk" --format docker-archive --out "$tmp/docker.tar" --tag acme/app:1.0 --user 10001 --healthcheck true \
	"$L/1:gzip" "$L/2:gzip" "$L/3:none"
scan_json docker "$tmp/docker.tar"
expect_eq "docker-archive: scan exits 0" 0 "$RC"
expect_eq "docker-archive: input kind image" image "$(jq -r '.run.inputs[0].kind' "$tmp/docker.json")"
cfg=$(tar -xOf "$tmp/docker.tar" manifest.json | jq -r '.[0].Config')
digest="sha256:$(tar -xOf "$tmp/docker.tar" "$cfg" | sha256sum | cut -d' ' -f1)"
expect_eq "docker-archive: input digest is the image id" "$digest" "$(jq -r '.run.inputs[0].digest' "$tmp/docker.json")"
msg=$(findings "$tmp/docker.json" image.secret-in-layer)
if grep -q "^/app/.env | .*deleted by layer 2 but still extractable from layer 1" <<<"$msg"; then ok "deleted secret reported as extractable"; else not_ok "deleted secret" "$msg"; fi
layer1="sha256:$(tar -xOf "$tmp/docker.tar" "$(tar -xOf "$tmp/docker.tar" manifest.json | jq -r '.[0].Layers[0]')" | sha256sum | cut -d' ' -f1)"
expect_eq "layer finding carries the layer digest" "$layer1" \
	"$(jq -r '.findings[] | select(.rule == "image.secret-in-layer") | .layer' "$tmp/docker.json")"
expect_eq "layer finding carries the image digest" "$digest" \
	"$(jq -r '.findings[] | select(.rule == "image.secret-in-layer") | .target_digest' "$tmp/docker.json")"
expect_eq "setuid passwd listed, low" "/usr/bin/passwd low" \
	"$(jq -r '.findings[] | select(.rule == "image.setuid-binary") | .path + " " + .severity' "$tmp/docker.json")"
expect_eq "no root/healthcheck findings for a configured image" 0 \
	"$(jq '[.findings[] | select(.rule == "image.user-root" or .rule == "image.healthcheck-missing")] | length' "$tmp/docker.json")"
expect_eq "packages of the final image (dpkg, apk)" "busybox libc6 musl openssl" \
	"$(sqlite3 "$tmp/docker.db" "select name from image_packages order by name" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "image row: digest, os, arch, format" "$digest|linux|amd64|docker-archive" \
	"$(sqlite3 "$tmp/docker.db" "select digest, os, architecture, format from images")"
expect_eq "image tags" "acme/app:1.0" "$(sqlite3 "$tmp/docker.db" "select tag from image_tags")"
expect_eq "three layers in order" "0 1 2" "$(sqlite3 "$tmp/docker.db" "select position from image_layers order by position" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "store: layer_digest column" "$layer1" "$(sqlite3 "$tmp/docker.db" "select layer_digest from findings where rule = 'image.secret-in-layer'")"
leaks=""
for f in "$tmp/docker.db" "$tmp/docker.db-wal" "$tmp/docker.json"; do [ -f "$f" ] && grep -qaF "$secret" "$f" && leaks="$leaks $f"; done
expect_eq "the layer secret is never in clear" "" "$leaks"

# The opaque directory hides layer 1's cache; a world-writable file there would not count.
chmod 0666 "$L/1/app/cache/old.bin"
"$mk" --format docker-archive --out "$tmp/opaque.tar" --tag t:1 --user 1 --healthcheck true "$L/1" "$L/2" "$L/3"
scan_json opaque "$tmp/opaque.tar"
expect_eq "opaque directory: hidden world-writable file not reported" "" "$(findings "$tmp/opaque.json" image.world-writable)"
"$mk" --format docker-archive --out "$tmp/opaque2.tar" --tag t:1 --user 1 --healthcheck true "$L/1" "$L/2"
scan_json opaque2 "$tmp/opaque2.tar"
if grep -q "/app/cache/old.bin" <<<"$(findings "$tmp/opaque2.json" image.world-writable)"; then ok "without the opaque layer it is reported"; else not_ok "world-writable" "$(cat "$tmp/opaque2.json")"; fi
chmod 0644 "$L/1/app/cache/old.bin"

# --- OCI layout tar with a zstd layer; the same as a directory; a nested index.
"$mk" --format oci --out "$tmp/oci.tar" --tag registry.example/app:2 "$L/1:zstd" "$L/2:gzip"
scan_json oci "$tmp/oci.tar"
mdigest=$(tar -xOf "$tmp/oci.tar" index.json | jq -r '.manifests[0].digest')
expect_eq "OCI tar (zstd): image digest is the manifest digest" "$mdigest" "$(sqlite3 "$tmp/oci.db" "select digest from images")"
if [ "$(count_rule "$tmp/oci.json" image.secret-in-layer)" -ge 1 ]; then ok "OCI tar (zstd): layer read"; else not_ok "OCI zstd" "$(pe "$tmp/oci.json")"; fi
expect_eq "OCI tar: zstd media type recorded" "application/vnd.oci.image.layer.v1.tar+zstd" \
	"$(sqlite3 "$tmp/oci.db" "select media_type from image_layers where position = 0")"
expect_eq "OCI tar: containerd name as tag" "registry.example/app:2" "$(sqlite3 "$tmp/oci.db" "select tag from image_tags")"
"$mk" --format oci-dir --out "$tmp/ocidir" --tag app:3 "$L/1:zstd" "$L/2"
scan_json ocidir "$tmp/ocidir"
expect_eq "OCI directory: input kind image" image "$(jq -r '.run.inputs[0].kind' "$tmp/ocidir.json")"
expect_eq "OCI directory: same findings as the tar" "$(jq -c '[.findings[].rule] | sort' "$tmp/oci.json")" "$(jq -c '[.findings[].rule] | sort' "$tmp/ocidir.json")"
"$mk" --format oci --nested --out "$tmp/nested.tar" --tag app:4 "$L/1"
scan_json nested "$tmp/nested.tar"
expect_eq "nested index: the image is found" 1 "$(sqlite3 "$tmp/nested.db" "select count(*) from images")"
"$mk" --format docker-legacy --out "$tmp/legacy.tar" --tag app:5 "$L/1" "$L/2"
scan_json legacy "$tmp/legacy.tar"
expect_eq "legacy docker save: layers read, no errors" "0 1" \
	"$(count_rule "$tmp/legacy.json" assay.parse-error) $(count_rule "$tmp/legacy.json" image.secret-in-layer)"
"$mk" --format docker-archive --out "$tmp/two.tar" --tag app:new --also "tag=app:old,layers=1" --user 1 --healthcheck true "$L/1" "$L/2"
scan_json two "$tmp/two.tar"
expect_eq "two images in one archive" "app:new app:old" "$(sqlite3 "$tmp/two.db" "select tag from image_tags order by tag" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "the old image still holds the secret undeleted" 1 \
	"$(jq '[.findings[] | select(.rule == "image.secret-in-layer" and (.message | test("extractable") | not))] | length' "$tmp/two.json")"

# --- An image tarball inside a walked directory.
mkdir -p "$tmp/tree/dist" && cp "$tmp/docker.tar" "$tmp/tree/dist/app.tar"
scan_json tree "$tmp/tree"
expect_eq "image inside a directory: path names the archive" "dist/app.tar!/app/.env" \
	"$(jq -r '.findings[] | select(.rule == "image.secret-in-layer") | .path' "$tmp/tree.json")"
expect_eq "image inside a directory: no secret.* on the raw tar" 0 \
	"$(jq '[.findings[] | select(.rule | startswith("secret."))] | length' "$tmp/tree.json")"

# An OCI layout directory inside a walked tree: read as an image, its blobs not searched one by one.
mkdir -p "$tmp/tree2/images" && cp -a "$tmp/ocidir" "$tmp/tree2/images/app"
scan_json tree2 "$tmp/tree2"
expect_eq "OCI directory inside a tree: path names the layout" "images/app!/app/.env" \
	"$(jq -r '.findings[] | select(.rule == "image.secret-in-layer") | .path' "$tmp/tree2.json")"
expect_eq "OCI directory inside a tree: blobs not scanned as files" 0 \
	"$(jq '[.findings[] | select(.path | test("^images/app/blobs"))] | length' "$tmp/tree2.json")"

# --- Hostile archives.
H="$tmp/hostile"
mkdir -p "$H/d"
echo x >"$H/d/a" && ln "$H/d/a" "$H/d/hard" && ln -s ../../../etc/shadow "$H/d/link" && echo y >"$H/d/y" && ln -s /etc/passwd "$H/d/abs-link"
(cd "$H/d" && tar --format=gnu -P --transform='s|^a$|../../outside|;s|^y$|/abs/path|' -cf ../layer.tar a hard link y abs-link 2>/dev/null)
"$mk" --format docker-archive --out "$tmp/h1.tar" --tag h:1 "@$H/layer.tar:gzip"
work="$tmp/cwd" && mkdir -p "$work"
(cd "$work" && run_assay scan "$tmp/h1.tar" --db "$tmp/h1.db" --fail-on none -q -o "$tmp/h1.json"; echo "$RC" >"$tmp/h1.rc")
expect_eq "entries leaving the root: scan completes" 0 "$(cat "$tmp/h1.rc")"
errs=$(pe "$tmp/h1.json")
for want in "'../../outside' leaves the image root" "'link' links outside the image root" "absolute path"; do
	if grep -qF "$want" <<<"$errs"; then ok "hostile entry: $want"; else not_ok "hostile entry: $want" "$errs"; fi
done
if ! grep -q "abs-link" <<<"$errs"; then ok "absolute symlink inside the image is not an error"; else not_ok "abs symlink" "$errs"; fi
expect_eq "nothing written beside the scan" "" "$(ls -A "$work")"
check "no file escaped to the filesystem" test ! -e "$tmp/outside"

# A layer whose tar header declares more bytes than it holds.
head -c 700 "$tmp/docker.tar" >/dev/null
printf 'hello' >"$H/short"
(cd "$H" && tar --format=gnu -cf big.tar short && dd if=/dev/urandom of=pad bs=1k count=8 2>/dev/null && cat pad >>short && tar --format=gnu -cf big2.tar short && head -c 2048 big2.tar >lie.tar)
"$mk" --format docker-archive --out "$tmp/h2.tar" --tag h:2 "@$H/lie.tar"
scan_json h2 "$tmp/h2.tar"
if grep -qi "truncated" <<<"$(pe "$tmp/h2.json")"; then ok "declared size that lies: truncated layer reported"; else not_ok "size lie" "$(pe "$tmp/h2.json")"; fi

# A gzip bomb: 64 MiB of zeros in one file; caps lowered to 8 MiB per file.
mkdir -p "$H/bomb" && head -c 64M /dev/zero >"$H/bomb/zeros"
"$mk" --format docker-archive --out "$tmp/bomb.tar" --tag bomb:1 "$H/bomb:gzip"
rm -rf "$H/bomb"
ASSAY_IMAGE_MAX_FILE_MB=8 run_assay scan "$tmp/bomb.tar" --db "$tmp/bomb.db" --fail-on none -q -o "$tmp/bomb.json"
expect_eq "gzip bomb: scan completes" 0 "$RC"
if grep -q "per-file cap" <<<"$(pe "$tmp/bomb.json")"; then ok "gzip bomb: per-file cap named"; else not_ok "bomb" "$(pe "$tmp/bomb.json")"; fi
ASSAY_IMAGE_MAX_MB=16 run_assay scan "$tmp/bomb.tar" --db "$tmp/bomb.db" --fail-on none -q -o "$tmp/bomb2.json"
if grep -q "per-image cap" <<<"$(pe "$tmp/bomb2.json")"; then ok "gzip bomb: per-image cap named"; else not_ok "bomb image cap" "$(pe "$tmp/bomb2.json")"; fi

# Truncated archives: the outer tar cut in half, a layer blob cut short.
mkdir -p "$tmp/re" && tar -xf "$tmp/docker.tar" -C "$tmp/re"
tar --format=gnu -C "$tmp/re" -cf "$tmp/re.tar" manifest.json blobs   # manifest first, as some tools write it
head -c $(( $(stat -c %s "$tmp/re.tar") * 6 / 10 )) "$tmp/re.tar" >"$tmp/half.tar"
scan_json half "$tmp/half.tar"
if [ "$RC" -eq 0 ] && grep -qi "truncated" <<<"$(pe "$tmp/half.json")"; then ok "truncated outer archive: parse error"; else not_ok "truncated outer" "rc $RC $(pe "$tmp/half.json")"; fi
"$mk" --format oci-dir --out "$tmp/cut" --tag cut:1 "$L/1:gzip"
blob=$(jq -r '.manifests[0].digest' "$tmp/cut/index.json" | sed 's/sha256://')
lblob=$(jq -r '.layers[0].digest' "$tmp/cut/blobs/sha256/$blob" | sed 's/sha256://')
head -c 100 "$tmp/cut/blobs/sha256/$lblob" >"$tmp/cut.part" && mv "$tmp/cut.part" "$tmp/cut/blobs/sha256/$lblob"
scan_json cut "$tmp/cut"
if grep -qiE "truncated|not a readable" <<<"$(pe "$tmp/cut.json")"; then ok "truncated layer blob: parse error"; else not_ok "cut layer" "$(pe "$tmp/cut.json")"; fi

# A manifest naming a layer that is not there; a config that is not JSON.
mkdir -p "$H/m" && echo '{"config":{"User":"1"}}' >"$H/m/c.json"
echo '[{"Config":"c.json","RepoTags":["m:1"],"Layers":["nope/layer.tar"]}]' >"$H/m/manifest.json"
(cd "$H/m" && tar --format=gnu -cf "$tmp/missing.tar" manifest.json c.json)
scan_json missing "$tmp/missing.tar"
if grep -q "nope/layer.tar.*not in the archive" <<<"$(pe "$tmp/missing.json")"; then ok "missing layer: parse error"; else not_ok "missing layer" "$(pe "$tmp/missing.json")"; fi
printf 'this is { not json' >"$H/bad.json"
"$mk" --format docker-archive --out "$tmp/badcfg.tar" --config-raw "$H/bad.json" --tag b:1 "$L/2"
scan_json badcfg "$tmp/badcfg.tar"
if grep -q "image config is .*not JSON" <<<"$(pe "$tmp/badcfg.json")"; then ok "non-JSON config: parse error"; else not_ok "bad config" "$(pe "$tmp/badcfg.json")"; fi
expect_eq "non-JSON config: layers still read" 1 "$(sqlite3 "$tmp/badcfg.db" "select count(*) from image_layers")"

# A layer whose bytes do not match its digest; a blob that is a link out of the layout.
"$mk" --format oci-dir --out "$tmp/tamper" --tag t:1 "$L/2:none"
m=$(jq -r '.manifests[0].digest' "$tmp/tamper/index.json" | sed 's/sha256://')
lb=$(jq -r '.layers[0].digest' "$tmp/tamper/blobs/sha256/$m" | sed 's/sha256://')
printf '\0\0\0\0' >>"$tmp/tamper/blobs/sha256/$lb"
scan_json tamper "$tmp/tamper"
if grep -q "does not match its digest" <<<"$(pe "$tmp/tamper.json")"; then ok "tampered layer: digest mismatch reported"; else not_ok "tamper" "$(pe "$tmp/tamper.json")"; fi
rm "$tmp/tamper/blobs/sha256/$lb" && ln -s /etc/passwd "$tmp/tamper/blobs/sha256/$lb"
scan_json link "$tmp/tamper"
if grep -q "symbolic link" <<<"$(pe "$tmp/link.json")"; then ok "blob linking outside the layout: not followed"; else not_ok "blob link" "$(pe "$tmp/link.json")"; fi

# Not an image at all: a plain tar is walked as a file, no image error.
tar -C "$L/2" -cf "$tmp/plain.tar" .
scan_json plain "$tmp/plain.tar"
expect_eq "plain tar: a file target, not an image" file "$(jq -r '.run.inputs[0].kind' "$tmp/plain.json")"
