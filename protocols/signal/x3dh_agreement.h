// protocols/signal/x3dh_agreement.h: X3DH as the first key agreement of
// ratchet::PairwiseSessions, with the keys and the server it needs. Used by
// the signal model; an app that runs the Signal protocol under its own name
// (its own ratchet::Protocol, its own server) reuses it as it is.
//
// Registration (tick 0): one identity per account (party), shared by its
// linked devices (Signal), or one per device (WhatsApp's multi-device,
// Identities::kPerDevice); per device a signed prekey and a batch of
// one-time prekeys. The private keys are files on the device (platform storage); the
// public bundle and the public one-time prekeys go to the app's server.
// Starting a session: the initiator fetches the bundle, the server hands out
// (and deletes) one one-time prekey, the initiator checks the signed
// prekey's signature and runs X3DH (x3dh.h). The responder redoes it with its
// stored private keys through Context::open, and deletes the one-time prekey
// once the message it came with has decrypted.
//
// The X3DH piece of a message, "<app>.prekey-message" (public keys IK_A,
// EK_A, IK_B, SPK_B, OPK_B), needs Bob's identity, signed prekey and
// one-time prekey private keys and yields the session's first root key.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>

#include "protocols/ratchet/pairwise_sessions.h"
#include "protocols/signal/x3dh.h"

namespace msgsim::signal {

// The X3DH part of a PreKeySignalMessage.
struct PreKeyPart {
  Bytes initiator_identity;
  Bytes base_key;  // EK_A public
  Bytes responder_identity;
  Bytes signed_prekey;
  Bytes one_time_prekey;  // empty: none was used
  Bytes encode() const;
  static std::optional<PreKeyPart> decode(ByteView bytes);
};

class X3dhAgreement final : public ratchet::KeyAgreement {
 public:
  // Whose identity key a device signs its prekeys with and presents.
  enum class Identities {
    kPerAccount,  // every device of a party shares the account's (Signal's linked devices)
    kPerDevice,   // each device has its own (WhatsApp's multi-device)
  };
  // `protocol` names the artifacts; `server` is the provider keeping the
  // bundles; the device files go to `storage` with `backup`. All three
  // references must outlive this.
  X3dhAgreement(const ratchet::Protocol& protocol, std::string server, platform::DeviceStorage& storage,
                platform::Backup backup, Identities identities = Identities::kPerAccount);

  // Tick 0, after storage.provision(): identities, prekeys, registration.
  void provision(Context& ctx);

  std::optional<Started> initiate(Context& ctx, NodeId from, NodeId to) override;
  std::optional<Accepted> accept(Context& ctx, NodeId at, NodeId from, const ArtifactPtr& initial,
                                 int message_id) override;
  // Deletes the one-time prekey `initial` used, from the device's files.
  void confirm(Context& ctx, NodeId at, const ArtifactPtr& initial) override;
  ByteView first_ratchet_public(NodeId at) const override;
  ArtifactPtr first_ratchet_key(Context& ctx, NodeId at) override;

  // The opener of the X3DH piece, for `protocol`'s types.
  static void register_openers(OpenerRegistry& registry, const ratchet::Protocol& protocol);

  // Artifact types and key ids, for tests and experiments.
  static std::string prekey_message_type(const ratchet::Protocol& p) { return p.name("prekey-message"); }
  static std::string identity_key_type(const ratchet::Protocol& p) { return p.name("identity-key"); }
  static std::string signed_prekey_type(const ratchet::Protocol& p) { return p.name("signed-prekey"); }
  static std::string one_time_prekey_type(const ratchet::Protocol& p) { return p.name("one-time-prekey"); }
  static KeyId identity_id(const ratchet::Protocol& p, ByteView identity_public);
  static KeyId one_time_prekey_id(const ratchet::Protocol& p, ByteView prekey_public);
  static ArtifactPtr make_prekey_message(const ratchet::Protocol& p, std::string session, const PreKeyPart& part);
  static std::vector<ArtifactPtr> open_prekey_artifact(const ratchet::Protocol& p, const Artifact& sealed,
                                                       std::span<const Artifact* const> keys);

 private:
  struct Device {
    const IdentityKey* identity = nullptr;  // in identities_
    SignedPreKey spk;
    platform::FileHandle identity_file;
    platform::FileHandle spk_file;
    std::map<std::uint32_t, OneTimePreKey> opks;
    std::map<std::uint32_t, platform::FileHandle> opk_files;
    // What the server keeps for this device.
    ArtifactPtr bundle_on_server;
    std::map<std::uint32_t, ArtifactPtr> opks_on_server;
  };

  const ratchet::Protocol& protocol_;
  std::string server_name_;
  platform::DeviceStorage& storage_;
  platform::Backup backup_;
  Identities identities_scope_;
  NodeId server_ = 0;
  std::deque<IdentityKey> identities_;  // per account or per device; a deque keeps the devices' pointers valid
  std::map<NodeId, Device> devices_;
};

}  // namespace msgsim::signal
