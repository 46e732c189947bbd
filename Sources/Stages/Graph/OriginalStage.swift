package import Engine

/// A stage that fetches, probes or stores an item's original. It has nothing to do for an item
/// whose original the library already holds (only its renditions are missing): the graph
/// passes such items by, without a lane permit.
package protocol OriginalStage: ItemStage where Element == MediaItem {}

extension OriginalStage {
    public func handles(_ item: MediaItem) -> Bool { !item.originalAlreadyStored }
}
