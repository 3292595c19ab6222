// protocols/ratchet/pairwise_sessions.h: one Double Ratchet session per pair
// of devices, as an app runs them, with their state mirrored into each
// device's storage. Shared by every model built on the Double Ratchet
// (signal with X3DH, imessage with PQ3's initial key establishment).
//
// What differs between apps comes in through two seams:
//   - Protocol (artifacts.h): artifact types and key ids, KDF labels, the
//     noun of message labels, whether each copy is signed;
//   - KeyAgreement (below): how a session starts (X3DH, PQ3), where the keys
//     of that start live (in the app's files, or in a Secure Enclave that no
//     seizure or exploit reads), and the signature on each copy.
// The model keeps the rest: who the devices are, fan-out, the server's
// behaviour (queue, relay), the message history.
//
// A message copy is three pieces (the agreement's initial piece until the
// peer answers, the ratchet header of its chain, the body); the receiving
// device opens them through Context::open with the keys it holds, so its
// decryption and anyone else's with the same keys are one computation.
//
// The state each device stores, through platform::DeviceStorage, one file
// per key, each erased when the app overwrites or deletes the key: per
// session the root key, the device's current ratchet private key (unless it
// is still the agreement's prekey, which the agreement keeps), the current
// sending chain key, the current receiving chain keys and the skipped
// message keys. A message key lives in memory for one encryption or
// decryption (Context::handle). So a seizure or an exploit gets the current
// state: it follows the conversation until the next DH-ratchet step, never
// before the keys it took (forward secrecy) and never after the peer's next
// fresh ratchet key (post-compromise healing).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "msgsim/model.h"
#include "protocols/platform/device_storage.h"
#include "protocols/ratchet/artifacts.h"
#include "protocols/ratchet/double_ratchet.h"

namespace msgsim::ratchet {

// How an app starts a session, and where the keys of that start live.
class KeyAgreement {
 public:
  virtual ~KeyAgreement() = default;

  struct Started {
    Session session;
    // What carries the agreement to the responder: sent with every message
    // of the session until the responder answers.
    ArtifactPtr initial;
  };
  // `from` starts a session with `to`: fetches `to`'s public keys from the
  // app's server, checks them, agrees a first root key. nullopt when it
  // refuses (it says why with Context::note).
  virtual std::optional<Started> initiate(Context& ctx, NodeId from, NodeId to) = 0;

  struct Accepted {
    Session session;
    // What opening `initial` yielded at the responder: the session's first
    // root key (never stored; the device's root key until its first step).
    ArtifactPtr first_root;
  };
  // `at` opens `initial`, from `from`, with its own keys through
  // Context::open. nullopt when it cannot (it says why with Context::note).
  // Changes nothing yet: the message it came with may still fail to
  // decrypt (damaged, forged), and then the session is dropped.
  virtual std::optional<Accepted> accept(Context& ctx, NodeId at, NodeId from, const ArtifactPtr& initial,
                                         int message_id) = 0;
  // The first message of a session accept() started from `initial` has
  // decrypted: the session is kept, and the agreement deletes what the app
  // deletes only then (libsignal removes a one-time prekey after the
  // message decrypted, so that a damaged message costs nothing).
  virtual void confirm(Context& ctx, NodeId at, const ArtifactPtr& initial) {
    (void)ctx;
    (void)at;
    (void)initial;
  }

  // A responder's first ratchet key is the prekey the agreement used: its
  // public half on `at`, and the key artifact `at` opens headers with while
  // it is in force (read from the app's files, or used inside a Secure
  // Enclave). The sessions never store a copy of it.
  virtual ByteView first_ratchet_public(NodeId at) const = 0;
  virtual ArtifactPtr first_ratchet_key(Context& ctx, NodeId at) = 0;

  // Each message's bytes before they are sent: an app that signs every copy
  // (Protocol::signed_messages) appends the sender device's signature.
  virtual void authenticate(NodeId from, Bytes& message) const {
    (void)from;
    (void)message;
  }
  // The receiving device's check of a copy's bytes from `from`, before it
  // decrypts anything: false refuses the copy.
  virtual bool authentic(NodeId from, ByteView message) const {
    (void)from;
    (void)message;
    return true;
  }
};

class PairwiseSessions {
 public:
  // `protocol`, `agreement` and `storage` must outlive this; every state file
  // is written with `state_backup`.
  PairwiseSessions(const Protocol& protocol, KeyAgreement& agreement, platform::DeviceStorage& storage,
                   platform::Backup state_backup);
  ~PairwiseSessions();
  PairwiseSessions(const PairwiseSessions&) = delete;
  PairwiseSessions& operator=(const PairwiseSessions&) = delete;

  // One copy of a message for one device.
  struct Copy {
    ArtifactPtr initial;  // the agreement's piece; null once the session is acknowledged
    ArtifactPtr header;   // the ratchet header of the copy's chain (one object per chain)
    ArtifactPtr body;
    WireMessage wire;  // what `body` carries, as the receiving device decodes it
    // What travels, in order: initial (when there is one), header, body.
    std::vector<ArtifactPtr> pieces() const;
  };

  // `from` encrypts `envelope` (encode_envelope) for `to`, in their session,
  // starting one first when `from` has none that can send (a responder that
  // never decrypted anything included, as libsignal would). Writes the new
  // state to `from`'s storage. nullopt when the agreement refused.
  std::optional<Copy> encrypt(Context& ctx, NodeId from, NodeId to, int message_id, ByteView envelope);

  // `at` receives `copy` from `from` and decrypts it, or notes why it cannot.
  // `keep` receives what it decrypted (message id, text) before the new
  // state is written: the app's history.
  using Keep = std::function<void(int message_id, std::string text)>;
  void decrypt(Context& ctx, NodeId at, NodeId from, const Copy& copy, int message_id, const Keep& keep);

 private:
  // One side of a session, as the app keeps it.
  struct Record {
    Session session;
    std::map<std::string, platform::FileHandle> files;  // the state as stored, by a stable name
    // The agreement's piece the initiator repeats until it hears back
    // (libsignal's unacknowledged prekey message); null for the responder or
    // once acknowledged.
    ArtifactPtr pending_initial;
    ArtifactPtr header;  // the current sending chain's header, one object per chain
    Bytes header_key;    // the sender ratchet key it names
    // The responder's first root key as the agreement's opening yielded it:
    // the device's root key until its first DH step (that key is never stored).
    ArtifactPtr first_root;
  };
  Record* start(Context& ctx, NodeId from, NodeId to);
  std::optional<RootStep> open_header(Context& ctx, NodeId at, const Record& r, const ArtifactPtr& header,
                                      const WireMessage& wire);
  void mirror(Context& ctx, NodeId at, NodeId peer, Record& r);

  const Protocol& protocol_;
  KeyAgreement& agreement_;
  platform::DeviceStorage& storage_;
  platform::Backup backup_;
  std::map<NodeId, std::map<NodeId, Record>> sessions_;  // by device, then peer device
};

}  // namespace msgsim::ratchet
