// protocols/platform/codec.h: turning an artifact into bytes and back, for
// models that encrypt an artifact inside another (a file holding a key, a
// backup holding a file, a CloudKit record holding a message).
#pragma once

#include "msgsim/evidence.h"

namespace msgsim::platform {

// Every field of the artifact, framed. Secret bytes are included: the result
// must only ever be encrypted, never printed.
Bytes encode_artifact(const Artifact& a);
// nullptr when the bytes are not an encoded artifact.
ArtifactPtr decode_artifact(ByteView bytes);

// The common "open = AEAD-decrypt with keys[0], then decode" opener.
std::vector<ArtifactPtr> open_aead_envelope(const Artifact& sealed, std::span<const Artifact* const> keys);
// Seals `content` under `key` as a sealed artifact of `type` needing `key`.
// When `label` names the content (contains its label), the content's label
// is not stored again inside the ciphertext: the opener takes it from the
// envelope's label (see codec.cc).
ArtifactPtr seal_envelope(Rng& rng, const Artifact& key, const Artifact& content, std::string type,
                          std::string label);

}  // namespace msgsim::platform
