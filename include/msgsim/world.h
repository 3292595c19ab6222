// msgsim/world.h: the simulated world as a graph.
//
// Vertices are party devices, provider servers and one backbone network per
// country; edges are links, each belonging to one or two countries. A
// transmission between two vertices follows the shortest path; every link it
// crosses records the bytes as they are on the wire (under transport
// encryption), which is what a `tap` adversary in that link's country sees.
//
// Layout (built by World::build):
//   device  --(access link, party's country)------  net:CC
//   server  --(datacentre link, provider's country)- net:CC
//   net:CC  --(international link, both countries)-- net:DD   (every pair)
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "msgsim/scenario.h"

namespace msgsim {

using NodeId = std::size_t;
using LinkId = std::size_t;

enum class NodeKind { kDevice, kServer, kNetwork };

struct Node {
  NodeId id = 0;
  NodeKind kind = NodeKind::kDevice;
  std::string name;     // "alice/iphone", "apple", "net:US"
  std::string label;    // "Alice's iPhone", "Apple's servers"
  std::string country;  // ISO code
  std::string owner;    // party or provider name ("" for networks)
  DeviceKind device = DeviceKind::kIphone;  // kDevice only
  int device_index = 0;                     // kDevice: position in the party's `devices`
  PartySettings settings;                   // kDevice: the settings in force on it (Party::device_settings)
  std::vector<SettingValue> own;            // kDevice: the values it sets itself over its party's (Device::own)
};

struct Link {
  LinkId id = 0;
  NodeId a = 0, b = 0;
  std::vector<std::string> countries;  // whose territory the link crosses
  std::string label;                   // "alice/iphone <-> net:US"
};

class World {
 public:
  // Every party's devices, the servers of `providers` (countries from the
  // scenario's [[provider]] overrides, else "US"), and the networks.
  static World build(const Scenario& scenario, const std::vector<std::string>& providers);

  const Node& node(NodeId id) const { return nodes_.at(id); }
  const Link& link(LinkId id) const { return links_.at(id); }
  std::size_t node_count() const { return nodes_.size(); }
  std::size_t link_count() const { return links_.size(); }
  const std::vector<NodeId>& devices_of(std::string_view party) const;
  std::optional<NodeId> server(std::string_view provider) const;
  const std::string& provider_country(std::string_view provider) const;
  std::vector<std::string> providers() const;  // sorted

  // The party's settings in force now: its account settings and its
  // devices' defaults (each device's own, with its overrides, is its
  // Node::settings). At first the scenario's; a [[change]] changes them.
  const PartySettings& party_settings(std::string_view party) const;
  // Applies `change` to `party` from now on: its settings, and each of its
  // devices' settings over them (a device's own values stay); or, for a
  // change of one device, that device's own values.
  void apply(const Change& change, const Party& party);

  // Links crossed from `from` to `to`, shortest path (Boost.Graph BFS).
  // Cached per source. Throws std::logic_error if unreachable.
  const std::vector<LinkId>& route(NodeId from, NodeId to) const;

 private:
  std::vector<Node> nodes_;
  std::vector<Link> links_;
  std::map<std::string, std::vector<NodeId>, std::less<>> devices_;
  std::map<std::string, PartySettings, std::less<>> party_settings_;
  std::map<std::string, NodeId, std::less<>> servers_;
  std::map<std::string, std::string, std::less<>> provider_country_;
  mutable std::map<std::pair<NodeId, NodeId>, std::vector<LinkId>> routes_;
};

}  // namespace msgsim
