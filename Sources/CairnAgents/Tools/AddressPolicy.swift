import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Which IP addresses `http_get` may connect to: public unicast only, unless private addresses
/// are allowed. Addresses are compared as bytes (parsed with `inet_pton`), never as text.
///
/// ```swift
/// AddressPolicy.isPublic("93.184.216.34")    // true
/// AddressPolicy.isPublic("64:ff9b::7f00:1")  // false: NAT64 can reach any IPv4 address, loopback included
/// ```
enum AddressPolicy {
    /// IPv4 ranges that are not public unicast (RFC 6890 and friends).
    static let blockedV4: [(base: [UInt8], bits: Int)] = [
        ([0, 0, 0, 0], 8), ([10, 0, 0, 0], 8), ([100, 64, 0, 0], 10), ([127, 0, 0, 0], 8), ([169, 254, 0, 0], 16),
        ([172, 16, 0, 0], 12), ([192, 0, 0, 0], 24), ([192, 0, 2, 0], 24), ([192, 88, 99, 0], 24), ([192, 168, 0, 0], 16),
        ([198, 18, 0, 0], 15), ([198, 51, 100, 0], 24), ([203, 0, 113, 0], 24), ([224, 0, 0, 0], 4), ([240, 0, 0, 0], 4),
    ]
    /// IPv6 ranges that are not public unicast, or that tunnel to IPv4 (NAT64, 6to4, Teredo).
    static let blockedV6: [(base: [UInt8], bits: Int)] = [
        ([UInt8](repeating: 0, count: 16), 96),  // ::/96 unspecified, loopback, IPv4-compatible
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0], 96),  // IPv4-mapped (checked as IPv4 below)
        ([0, 0x64, 0xff, 0x9b] + [UInt8](repeating: 0, count: 12), 32),  // 64:ff9b::/96 and 64:ff9b:1::/48 (NAT64)
        ([0x01, 0x00] + [UInt8](repeating: 0, count: 14), 64),  // 100::/64 discard
        ([0x20, 0x01, 0x00, 0x00] + [UInt8](repeating: 0, count: 12), 23),  // 2001::/23 IETF: Teredo, benchmarking, ORCHID
        ([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 12), 32),  // documentation
        ([0x20, 0x02] + [UInt8](repeating: 0, count: 14), 16),  // 6to4
        ([0xfc] + [UInt8](repeating: 0, count: 15), 7),  // unique local
        ([0xfe, 0x80] + [UInt8](repeating: 0, count: 14), 10),  // link-local
        ([0xfe, 0xc0] + [UInt8](repeating: 0, count: 14), 10),  // site-local
        ([0xff] + [UInt8](repeating: 0, count: 15), 8),  // multicast
    ]

    static func isPublic(_ address: String) -> Bool {
        if let v4 = bytes(address, family: AF_INET, count: 4) { return !matches(v4, blockedV4) }
        guard let v6 = bytes(address, family: AF_INET6, count: 16) else { return false }
        return !matches(v6, blockedV6)
    }

    private static func matches(_ address: [UInt8], _ ranges: [(base: [UInt8], bits: Int)]) -> Bool {
        ranges.contains { range in
            let whole = range.bits / 8
            let rest = range.bits % 8
            guard address.prefix(whole) == range.base.prefix(whole) else { return false }
            guard rest > 0 else { return true }
            let mask = UInt8(0xff) << (8 - rest)
            return address[whole] & mask == range.base[whole] & mask
        }
    }

    private static func bytes(_ text: String, family: Int32, count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 16)
        guard inet_pton(family, text, &buffer) == 1 else { return nil }
        return Array(buffer.prefix(count))
    }
}
