import Foundation

/// The resource lanes a stage can declare.
public enum LaneKind: String, Sendable, CaseIterable {
    /// Concurrent transfers.
    case network
    /// Concurrent writers into the library or temp space.
    case disk
    /// Decode, probe and transcode slots.
    case cpu
}

/// Limits per lane; the defaults follow the design (cpu = cores).
public struct LaneLimits: Sendable, Equatable {
    public var network: Int
    public var disk: Int
    public var cpu: Int

    public init(network: Int = 8, disk: Int = 4, cpu: Int = LaneLimits.cores) {
        self.network = network
        self.disk = disk
        self.cpu = cpu
    }

    public static var cores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}

/// One `Lane` per kind, shared by every stage (and, later, every job) of a process.
public struct Lanes: Sendable {
    public let network: Lane
    public let disk: Lane
    public let cpu: Lane

    public init(_ limits: LaneLimits = LaneLimits()) {
        network = Lane(name: "network", limit: limits.network)
        disk = Lane(name: "disk", limit: limits.disk)
        cpu = Lane(name: "cpu", limit: limits.cpu)
    }

    public subscript(kind: LaneKind) -> Lane {
        switch kind {
        case .network: network
        case .disk: disk
        case .cpu: cpu
        }
    }

    /// Runs `body` under a permit of `kind`, or directly when the stage declares no lane.
    public func withPermit<T>(_ kind: LaneKind?, _ body: () async throws -> T) async throws -> T {
        guard let kind else { return try await body() }
        return try await self[kind].withPermit(body)
    }
}
