// PairwiseSessions at the receiving device, for both key agreements, through
// the conformance channels (the models' own parts on a MemoryContext).
#include "protocols/ratchet/pairwise_sessions.h"

#include <gtest/gtest.h>

#include "protocols/imessage/imessage.h"
#include "protocols/signal/signal_model.h"
#include "tests/protocols/conformance/channels.h"
#include "tests/support/scenario_builder.h"

namespace msgsim {
namespace {

using conformance::Pieces;
using conformance::Read;

Scenario one_message(std::string_view model) {
  Scenario s;
  s.path = "test";
  s.title = "test";
  s.seed = 3;
  s.protocols = {std::string(model)};
  s.parties = {testing::party("alice"), testing::party("bob")};
  s.messages = {testing::message(1, 1, "alice", "bob", "hello"), testing::message(2, 2, "alice", "bob", "again")};
  return s;
}

Pieces with_byte_flipped(Pieces pieces, std::size_t piece, std::size_t at) {
  const Artifact& a = *pieces.at(piece);
  Bytes data = a.data;
  data.at(at) ^= 0x01;
  pieces[piece] = make_sealed(a.type, a.label, a.needs, std::move(data));
  return pieces;
}

// Regression: a first copy whose key-agreement piece or message was damaged
// on the way left on the receiving device the session accept() made from it
// (and X3DH deleted the one-time prekey it named) although the message did
// not decrypt: the genuine copy then met that session and never opened, and
// the prekey was gone. libsignal keeps the session, and deletes the prekey,
// only once the message has decrypted.
TEST(PairwiseSessions, ADamagedFirstCopyLeavesTheDeviceAsItWasAndTheGenuineOneStillOpens) {
  for (const ModelInfo* m : {&imessage_model_info(), &signal_model_info()}) {
    SCOPED_TRACE(m->name);
    const Scenario s = one_message(m->name);
    auto channel = (*conformance::find_channel(m->name))(*m, s, *s.seed);
    const Pieces genuine = channel->send(s.messages[0]);
    ASSERT_EQ(genuine.size(), 3u) << "key agreement, ratchet header, message";
    const auto state = channel->receiver_state();
    // Byte 40: in the agreement piece's second field, the initiator's
    // ephemeral key (PQ3's E, X3DH's EK_A): the root key comes out wrong.
    EXPECT_FALSE(channel->receive(with_byte_flipped(genuine, 0, 40)).has_value());
    EXPECT_TRUE(channel->receiver_state() == state) << "the refused copy changed bob's device";
    // A byte of the message itself, near its end.
    EXPECT_FALSE(channel->receive(with_byte_flipped(genuine, 2, genuine[2]->data.size() - 70)).has_value());
    EXPECT_TRUE(channel->receiver_state() == state) << "the refused copy changed bob's device";
    EXPECT_EQ(channel->receive(genuine), (Read{1, "hello"}));
    EXPECT_EQ(channel->receive(channel->send(s.messages[1])), (Read{2, "again"}));
  }
}

}  // namespace
}  // namespace msgsim
