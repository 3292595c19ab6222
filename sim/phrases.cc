#include "phrases.h"

#include "msgsim/evidence.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace msgsim::phrases {
namespace {

// The stretches of text without digits, numbered, shared by the whole
// process (a few thousand in a large run: the models' phrases around node
// names). Ids are handed out under a mutex; spelling an id back reads the
// table without one: an id reaches a thread only after its entry was
// written (through this mutex, or with the tokens that hold it), and
// entries never move.
class Dictionary {
 public:
  static Dictionary& get() {
    static Dictionary words;
    return words;
  }
  Dictionary() = default;

  std::uint32_t id(std::string_view run) {
    // Each thread remembers the ids it used: the mutex is taken for a phrase
    // new to this thread only.
    thread_local std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> known;
    if (const auto it = known.find(run); it != known.end()) return it->second;
    std::lock_guard lock(mutex_);
    auto [it, added] = ids_.try_emplace(std::string(run), next_);
    if (added) {
      if (next_ >> kChunkBits >= kChunks) throw std::length_error("too many distinct phrases in labels and explanations");
      auto& chunk = chunks_[next_ >> kChunkBits];
      if (chunk.load(std::memory_order_relaxed) == nullptr)
        chunk.store(new std::atomic<const std::string*>[kChunk](), std::memory_order_release);
      chunk.load(std::memory_order_relaxed)[next_ & kMask].store(&it->first, std::memory_order_release);
      ++next_;
    }
    known.emplace(it->first, it->second);
    return it->second;
  }

  ~Dictionary() {
    for (auto& chunk : chunks_) delete[] chunk.load();
  }
  Dictionary(const Dictionary&) = delete;
  Dictionary& operator=(const Dictionary&) = delete;

  std::string_view text(std::uint32_t id) const {
    const auto* chunk = chunks_[id >> kChunkBits].load(std::memory_order_acquire);
    if (chunk == nullptr) throw std::logic_error("tokens name a phrase that does not exist");
    const std::string* s = chunk[id & kMask].load(std::memory_order_acquire);
    if (s == nullptr) throw std::logic_error("tokens name a phrase that does not exist");
    return *s;
  }

 private:
  static constexpr std::uint32_t kChunkBits = 12;
  static constexpr std::uint32_t kChunk = 1u << kChunkBits;
  static constexpr std::uint32_t kMask = kChunk - 1;
  static constexpr std::uint32_t kChunks = 1u << 16;  // 268 million phrases at most

  std::mutex mutex_;
  std::unordered_map<std::string, std::uint32_t> ids_;  // nodes never move: entries point to their keys
  std::uint32_t next_ = 0;
  std::array<std::atomic<std::atomic<const std::string*>*>, kChunks> chunks_{};
};

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
// Digit runs are cut in pieces of at most this many digits (a value below
// 10^12 < 2^40, with the count in 4 bits and the kind in 1).
constexpr std::size_t kMaxDigits = 12;

}  // namespace

std::uint64_t get_varint(const unsigned char*& p) {
  std::uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const unsigned char b = *p++;
    v |= std::uint64_t{b & 0x7Fu} << shift;
    if ((b & 0x80u) == 0) return v;
  }
}

void encode(std::string_view text, std::string& tokens) {
  // Tokens (varints): 2 x id for a stretch without digits, 2 x (value x 16 +
  // digits) + 1 for a run of digits (the count keeps leading zeros).
  for (std::size_t i = 0; i < text.size();) {
    std::size_t j = i;
    if (is_digit(text[i])) {
      std::uint64_t value = 0;
      while (j < text.size() && j - i < kMaxDigits && is_digit(text[j]))
        value = value * 10 + static_cast<std::uint64_t>(text[j++] - '0');
      append_varint(tokens, ((value << 4 | (j - i)) << 1) | 1);
    } else {
      while (j < text.size() && !is_digit(text[j])) ++j;
      append_varint(tokens, std::uint64_t{Dictionary::get().id(text.substr(i, j - i))} << 1);
    }
    i = j;
  }
}

void decode(std::string_view tokens, std::string& text) {
  const auto* p = reinterpret_cast<const unsigned char*>(tokens.data());
  const unsigned char* const end = p + tokens.size();
  const Dictionary& words = Dictionary::get();
  while (p < end) {
    const std::uint64_t token = get_varint(p);
    if ((token & 1) == 0) {
      text += words.text(static_cast<std::uint32_t>(token >> 1));
      continue;
    }
    const std::size_t digits = static_cast<std::size_t>((token >> 1) & 15);
    std::uint64_t value = token >> 5;
    char buffer[kMaxDigits];
    for (std::size_t k = digits; k-- > 0;) {
      buffer[k] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
    text.append(buffer, digits);
  }
}

}  // namespace msgsim::phrases
