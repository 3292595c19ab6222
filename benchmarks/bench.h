// benchmarks/bench.h: what the floor and whole-run benchmarks share.
//
// A case is one model on one shape of conversation: alice (an iPhone) and bob
// (an iPhone, or iphone, ipad, mac, mac), N messages one tick apart, either
// all from alice (one-way) or taking turns (alternating). Every message then
// reaches exactly `devices` device copies: alice's go to bob's devices, bob's
// to alice's iPhone and to his own other devices.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace msgsim::bench {

struct Case {
  std::string model;  // registry name: imessage, imessage-icloud, signal, imessage-classic
  bool alternating = false;
  int devices = 1;  // bob's devices (1: iphone; 4: iphone, ipad, mac, mac)

  std::string name() const;  // "imessage/one-way/1dev"
};
std::vector<Case> all_cases();

// Messages per conversation in the whole-run benchmarks (--messages=N).
int& messages_per_run();

// Floor benchmark names; main.cc reads their per-iteration CPU time.
inline constexpr const char* kFloorClassicCopy = "floor/imessage-classic/device-copy";
inline constexpr const char* kFloorIMessageChain = "floor/imessage/message-no-dh-step";
inline constexpr const char* kFloorIMessageStep = "floor/imessage/message-with-dh-step";
inline constexpr const char* kFloorIMessageSetup = "floor/imessage/pq3-session-setup";
inline constexpr const char* kFloorSignalChain = "floor/signal/message-no-dh-step";
inline constexpr const char* kFloorSignalStep = "floor/signal/message-with-dh-step";
inline constexpr const char* kFloorSignalX3dh = "floor/signal/x3dh-session-setup";

// Per-operation floor times in microseconds (CPU), as measured.
struct FloorTimes {
  double classic_copy = 0;    // imessage-classic: seal + AEAD + sign, verify + seal_open + AEAD decrypt
  double signal_chain = 0;    // Double Ratchet encrypt + decrypt, no DH step
  double signal_step = 0;     // Double Ratchet encrypt + decrypt with a DH step
  double signal_x3dh = 0;     // X3DH both sides + both Session set-ups
  double imessage_chain = 0;  // PQ3: encrypt + Ed25519 sign, verify + decrypt, no DH step
  double imessage_step = 0;   // the same with a DH step
  double imessage_setup = 0;  // PQ3 initial key establishment both sides + both Session set-ups
  bool complete() const {
    return classic_copy > 0 && signal_chain > 0 && signal_step > 0 && signal_x3dh > 0 && imessage_chain > 0 &&
           imessage_step > 0 && imessage_setup > 0;
  }
};
// The floor of one message of `c` in a conversation of `n` messages:
// the per-copy crypto for each device copy, plus the session set-ups (X3DH,
// PQ3's initial key establishment) of the conversation spread over its
// messages.
double floor_per_message(const Case& c, const FloorTimes& f, int n);
// How many floor operations of each kind one message of `c` makes (for the docs).
std::string floor_formula(const Case& c);

void register_floor_benchmarks();
void register_run_benchmarks();

}  // namespace msgsim::bench
