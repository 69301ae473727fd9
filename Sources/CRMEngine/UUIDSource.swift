import Foundation

/// The only place the engine makes random UUIDs (outside the pure domain), behind ``IDGenerator/random``.
enum UUIDSource {
    static func next() -> UUID { UUID() }
}
