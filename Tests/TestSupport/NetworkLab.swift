import Foundation

/// Machines on a network of the test's own (iproute2): each machine a network namespace joined
/// to this host by a veth pair (a /30 of 10.231.K.0/24, K random), and the services' address
/// on a link of this host that every machine reaches through its own link. Addresses go
/// only on links the lab makes; everything is removed on deinit. Needs root.
public final class NetworkLab: Sendable {
    public static let ip = (try? Command.which("ip")) ?? "/usr/sbin/ip"

    /// The address the services listen on.
    public let serviceAddress: String
    /// The lab's network, as a server's allow list takes it.
    public let network: String
    private let tag: String
    private let machines: Int

    public init(machines: Int) throws {
        let k = Int.random(in: 1...250)
        tag = String(UUID().uuidString.lowercased().prefix(5))
        network = "10.231.\(k).0/24"
        serviceAddress = "10.231.\(k).254"
        self.machines = machines
        // A veth pair with both ends here stands in for a dummy link (containers may lack that module).
        try Self.run(["link", "add", tagged("d"), "type", "veth", "peer", "name", tagged("e")])
        try Self.run(["addr", "add", "\(serviceAddress)/32", "dev", tagged("d")])
        try Self.run(["link", "set", tagged("d"), "up"])
        try Self.run(["link", "set", tagged("e"), "up"])
        for n in 1...machines {
            let (host, machine) = ("10.231.\(k).\(4 * n + 1)", "10.231.\(k).\(4 * n + 2)")
            try Self.run(["netns", "add", namespace(n)])
            try Self.run(["link", "add", link(n), "type", "veth", "peer", "name", tagged("m\(n)")])
            try Self.run(["link", "set", tagged("m\(n)"), "netns", namespace(n)])
            try Self.run(["addr", "add", "\(host)/30", "dev", link(n)])
            try Self.run(["link", "set", link(n), "up"])
            try Self.run(["netns", "exec", namespace(n), Self.ip, "addr", "add", "\(machine)/30", "dev", tagged("m\(n)")])
            try Self.run(["netns", "exec", namespace(n), Self.ip, "link", "set", tagged("m\(n)"), "up"])
            try Self.run(["netns", "exec", namespace(n), Self.ip, "link", "set", "lo", "up"])
            try Self.run(["netns", "exec", namespace(n), Self.ip, "route", "add", "default", "via", host])
        }
    }

    /// Machine `n`'s namespace (1-based).
    public func namespace(_ n: Int) -> String { "me-\(tag)-\(n)" }

    /// Cuts machine `n` off (its link down on this side) or joins it again.
    public func setLink(_ n: Int, up: Bool) throws {
        try Self.run(["link", "set", link(n), up ? "up" : "down"])
    }

    deinit {
        for n in 1...machines {
            _ = try? Command.run(Self.ip, ["netns", "del", namespace(n)])
            _ = try? Command.run(Self.ip, ["link", "del", link(n)])
        }
        _ = try? Command.run(Self.ip, ["link", "del", tagged("d")])
    }

    private func link(_ n: Int) -> String { tagged("h\(n)") }
    private func tagged(_ name: String) -> String { "me\(tag)\(name)" }

    private static func run(_ arguments: [String]) throws {
        let result = try Command.run(ip, arguments)
        guard result.status == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "ip \(arguments.joined(separator: " ")): \(result.stderr)"])
        }
    }
}
