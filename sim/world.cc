#include "msgsim/world.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <fmt/format.h>

namespace msgsim {

namespace {

std::string device_label(const Party& p, DeviceKind k, int ordinal) {
  std::string s = fmt::format("{}'s {}", p.label.empty() ? p.name : p.label, label(k));
  if (ordinal > 1) s += fmt::format(" #{}", ordinal);
  return s;
}

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, boost::no_property,
                                    boost::property<boost::edge_index_t, LinkId>>;

}  // namespace

World World::build(const Scenario& scenario, const std::vector<std::string>& providers) {
  World w;
  auto add_node = [&](NodeKind kind, std::string name, std::string label, std::string country,
                      std::string owner) -> NodeId {
    Node n;
    n.id = w.nodes_.size();
    n.kind = kind;
    n.name = std::move(name);
    n.label = std::move(label);
    n.country = std::move(country);
    n.owner = std::move(owner);
    w.nodes_.push_back(std::move(n));
    return w.nodes_.back().id;
  };
  std::map<std::string, NodeId> nets;
  auto net = [&](const std::string& country) {
    auto it = nets.find(country);
    if (it != nets.end()) return it->second;
    const NodeId id = add_node(NodeKind::kNetwork, "net:" + country, "the " + country + " backbone", country, "");
    nets.emplace(country, id);
    return id;
  };
  auto add_link = [&](NodeId a, NodeId b, std::vector<std::string> countries) {
    Link l;
    l.id = w.links_.size();
    l.a = a;
    l.b = b;
    l.countries = std::move(countries);
    l.label = fmt::format("{} <-> {}", w.nodes_[a].name, w.nodes_[b].name);
    w.links_.push_back(std::move(l));
  };

  for (const Party& p : scenario.parties) {
    std::map<DeviceKind, int> seen;
    w.party_settings_.emplace(p.name, p.settings);
    auto& ids = w.devices_[p.name];
    for (std::size_t i = 0; i < p.devices.size(); ++i) {
      const DeviceKind k = p.devices[i].kind;
      const int ordinal = ++seen[k];
      std::string name = fmt::format("{}/{}", p.name, to_string(k));
      if (ordinal > 1) name += std::to_string(ordinal);
      const NodeId id = add_node(NodeKind::kDevice, name, device_label(p, k, ordinal), p.country, p.name);
      w.nodes_[id].device = k;
      w.nodes_[id].device_index = static_cast<int>(i);
      w.nodes_[id].settings = p.device_settings(i);
      w.nodes_[id].own = p.devices[i].own;
      ids.push_back(id);
      add_link(id, net(p.country), {p.country});
    }
  }
  for (const std::string& name : providers) {
    auto info = std::find_if(builtin_providers().begin(), builtin_providers().end(),
                             [&](const ProviderInfo& pi) { return pi.name == name; });
    if (info == builtin_providers().end()) throw std::invalid_argument("unknown provider " + name);
    const std::string country = scenario.provider_country(name);
    std::string label(info->label);
    for (const Provider& o : scenario.providers)
      if (o.name == name && !o.label.empty()) label = o.label;
    const NodeId id = add_node(NodeKind::kServer, name, label + "'s servers", country, name);
    w.servers_.emplace(name, id);
    w.provider_country_.emplace(name, country);
    add_link(id, net(country), {country});
  }
  // Every pair of national backbones is linked directly.
  for (auto a = nets.begin(); a != nets.end(); ++a)
    for (auto b = std::next(a); b != nets.end(); ++b) add_link(a->second, b->second, {a->first, b->first});
  return w;
}

const std::vector<NodeId>& World::devices_of(std::string_view party) const {
  static const std::vector<NodeId> kNone;
  auto it = devices_.find(party);
  return it == devices_.end() ? kNone : it->second;
}

const PartySettings& World::party_settings(std::string_view party) const {
  const auto it = party_settings_.find(party);
  if (it == party_settings_.end()) throw std::out_of_range("no party " + std::string(party));
  return it->second;
}

void World::apply(const Change& change, const Party& party) {
  const auto it = party_settings_.find(party.name);
  if (it == party_settings_.end() || change.party != party.name)
    throw std::logic_error("a change of " + change.party + " applied to " + party.name);
  const auto& devices = devices_of(party.name);
  if (change.device) {
    // The device's own values, each setting once: a new value replaces the old.
    std::vector<SettingValue>& own = nodes_.at(devices.at(*change.device)).own;
    for (const SettingValue& v : change.set) {
      const auto same = std::find_if(own.begin(), own.end(), [&](const SettingValue& o) { return o.spec == v.spec; });
      if (same == own.end()) own.push_back(v);
      else *same = v;
    }
  } else {
    for (const SettingValue& v : change.set) v.apply(it->second);
  }
  for (NodeId d : devices) {
    Node& n = nodes_.at(d);
    n.settings = it->second;
    for (const SettingValue& own : n.own) own.apply(n.settings);
  }
}

std::optional<NodeId> World::server(std::string_view provider) const {
  auto it = servers_.find(provider);
  if (it == servers_.end()) return std::nullopt;
  return it->second;
}

const std::string& World::provider_country(std::string_view provider) const {
  auto it = provider_country_.find(provider);
  if (it == provider_country_.end()) throw std::out_of_range("no provider " + std::string(provider));
  return it->second;
}

std::vector<std::string> World::providers() const {
  std::vector<std::string> out;
  for (const auto& [name, id] : servers_) out.push_back(name);
  return out;
}

const std::vector<LinkId>& World::route(NodeId from, NodeId to) const {
  auto key = std::make_pair(from, to);
  if (auto it = routes_.find(key); it != routes_.end()) return it->second;

  Graph g(nodes_.size());
  for (const Link& l : links_) boost::add_edge(l.a, l.b, l.id, g);
  std::vector<LinkId> via(nodes_.size(), links_.size());  // the link by which BFS reached each vertex
  std::vector<bool> reached(nodes_.size(), false);
  reached[from] = true;
  struct Recorder : boost::default_bfs_visitor {
    std::vector<LinkId>* via;
    std::vector<bool>* reached;
    void tree_edge(Graph::edge_descriptor e, const Graph& gr) const {
      const auto t = boost::target(e, gr);
      (*via)[t] = boost::get(boost::edge_index, gr, e);
      (*reached)[t] = true;
    }
  } rec;
  rec.via = &via;
  rec.reached = &reached;
  boost::breadth_first_search(g, boost::vertex(from, g), boost::visitor(rec));
  if (!reached[to]) throw std::logic_error(fmt::format("no route from {} to {}", nodes_[from].name, nodes_[to].name));

  std::vector<LinkId> path;
  for (NodeId at = to; at != from;) {
    const Link& l = links_[via[at]];
    path.push_back(l.id);
    at = l.a == at ? l.b : l.a;
  }
  std::reverse(path.begin(), path.end());
  return routes_.emplace(key, std::move(path)).first->second;
}

}  // namespace msgsim
