// Text kept compactly: the labels of millions of artifacts and the lines of
// millions of explanations are the same few phrases around node names and
// numbers ("encrypted file on p0001's iPhone (p0001's iPhone sending chain
// key, chain 3, n=17 (session with p0002's iPhone))"). A text becomes a
// run of tokens: each stretch without digits is a number in a dictionary the
// whole process shares, each run of digits is stored as its value. About a
// fifth of the text's size, and an exact round trip.
//
// The encoding of a text is the same wherever and whenever it is made (a
// stretch keeps its number for the life of the process): equal texts have
// equal tokens, so tokens compare and hash in place of their text.
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace msgsim::phrases {

// Reads a varint as append_varint (msgsim/crypto.h) writes the tokens and
// the lengths that go with them; `p` moves past it.
std::uint64_t get_varint(const unsigned char*& p);

// Appends the tokens of `text` to `tokens`.
void encode(std::string_view text, std::string& tokens);
// Appends the text of `tokens` (made by encode) to `text`.
void decode(std::string_view tokens, std::string& text);

}  // namespace msgsim::phrases
