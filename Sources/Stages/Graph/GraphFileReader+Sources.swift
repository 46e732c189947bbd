import Yams

/// `sources:` — web catalogs (`CatalogSource`), in a graph file or a config file.
extension GraphFileReader {
    func catalogSources(_ node: Node) throws(GraphFileError) -> [CatalogSource] {
        var sources: [CatalogSource] = []
        for (name, value) in try mapping(node, "sources", allowed: Self.anyKey(node)) {
            guard name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]*$", options: .regularExpression) != nil else {
                throw error(node.mapping?.keys.first { $0.string == name }, "source name '\(name)' must be letters, digits, '.', '_' or '-'")
            }
            var collections: CatalogSource.Level?, items: CatalogSource.Level?
            for (key, levelNode) in try mapping(value, "source '\(name)'", allowed: ["collections", "items"]) {
                let level = try self.level(levelNode, "sources.\(name).\(key)", isItems: key == "items")
                if key == "items" { items = level } else { collections = level }
            }
            guard let items else { throw error(value, "source '\(name)' needs an items level (`items: {url: …, list: …, fields: …}`)") }
            if collections != nil, !items.url.contains("{collection}") {
                throw error(value, "sources.\(name).items.url must contain {collection} (each collection's items are fetched with it)")
            }
            sources.append(CatalogSource(name: name, collections: collections, items: items))
        }
        return sources
    }

    private func level(_ node: Node, _ what: String, isItems: Bool) throws(GraphFileError) -> CatalogSource.Level {
        let keys = ["url", "paging", "start", "page_size", "list", "has_more", "next_cursor", "max_pages", "fields", "duration_unit", "headers"]
        let pairs = try mapping(node, what, allowed: keys)
        func required(_ key: String) throws(GraphFileError) -> Node {
            guard let found = pairs.first(where: { $0.key == key })?.node else { throw error(node, "\(what) needs '\(key)'") }
            return found
        }
        let urlNode = try required("url")
        let url = try string(urlNode, "\(what).url")
        guard url.lowercased().hasPrefix("http://") || url.lowercased().hasPrefix("https://") else {
            throw error(urlNode, "\(what).url must be an http(s) URL template")
        }
        let pagingNode = try required("paging")
        guard let paging = CatalogSource.Paging(rawValue: try string(pagingNode, "\(what).paging")) else {
            throw error(pagingNode, "\(what).paging must be one of page, offset, cursor")
        }
        let placeholder = ["page": "{page}", "offset": "{offset}", "cursor": "{cursor}"][paging.rawValue]!
        guard url.contains(placeholder) else { throw error(urlNode, "\(what).url must contain \(placeholder) (\(paging.rawValue) paging)") }
        var fields: [String: String] = [:]
        let fieldNames = isItems ? ["id", "title", "creators", "duration", "url", "collection"] : ["id", "title"]
        let fieldsNode = try required("fields")
        for (field, pathNode) in try mapping(fieldsNode, "\(what).fields", allowed: fieldNames) {
            fields[field] = try string(pathNode, "\(what).fields.\(field)")
        }
        for field in isItems ? ["id", "url"] : ["id"] where fields[field] == nil {
            throw error(fieldsNode, "\(what).fields needs '\(field)'")
        }
        var level = CatalogSource.Level(url: url, paging: paging, list: try required("list").string ?? "", fields: fields)
        for (key, value) in pairs {
            switch key {
            case "start": level.start = try int(value, "\(what).start", minimum: 0)
            case "page_size": level.pageSize = try int(value, "\(what).page_size")
            case "has_more": level.hasMore = try string(value, "\(what).has_more")
            case "next_cursor": level.nextCursor = try string(value, "\(what).next_cursor")
            case "max_pages": level.maxPages = try int(value, "\(what).max_pages")
            case "duration_unit": level.durationInMilliseconds = try inMilliseconds(value, what)
            case "headers": level.headers = try headers(value, what)
            default: break
            }
        }
        if paging == .cursor, level.nextCursor == nil { throw error(node, "\(what) pages by cursor: it needs 'next_cursor' (the path to the next cursor)") }
        return level
    }
}

/// What catalog levels and resolver sources both have: a duration unit and request headers.
extension GraphFileReader {
    /// `duration_unit`: `ms` (true) or `s`.
    func inMilliseconds(_ node: Node, _ what: String) throws(GraphFileError) -> Bool {
        let unit = try string(node, "\(what).duration_unit")
        guard ["ms", "s"].contains(unit) else { throw error(node, "\(what).duration_unit must be ms or s") }
        return unit == "ms"
    }

    /// `headers`: name → value (`$NAME`: from the environment when used).
    func headers(_ node: Node, _ what: String) throws(GraphFileError) -> [String: String] {
        var headers: [String: String] = [:]
        for (header, value) in try mapping(node, "\(what).headers", allowed: Self.anyKey(node)) {
            headers[header] = try string(value, "\(what).headers.\(header)")
        }
        return headers
    }
}

/// `resolve:` — the ranking resolver's sources and thresholds (`ResolvePlan`).
extension GraphFileReader {
    func resolvePlan(_ node: Node) throws(GraphFileError) -> ResolvePlan {
        var plan = ResolvePlan(sources: [])
        for (key, value) in try mapping(node, "resolve", allowed: ["sources", "min_confidence", "duration_tolerance"]) {
            switch key {
            case "min_confidence":
                let confidence = try number(value, "resolve.min_confidence")
                guard confidence <= 1 else { throw error(value, "resolve.min_confidence must be from 0 to 1") }
                plan.minConfidence = confidence
            case "duration_tolerance": plan.durationTolerance = try number(value, "resolve.duration_tolerance")
            default:
                guard let list = value.sequence else { throw error(value, "resolve.sources must be a list of sources") }
                for entry in list { plan.sources.append(try resolveSource(entry)) }
            }
        }
        var names: Set<String> = []
        for (index, source) in plan.sources.enumerated() where !names.insert(source.name).inserted {
            throw error(node.mapping?["sources"]?.sequence?[index], "resolve.sources names '\(source.name)' twice")
        }
        return plan
    }

    private func resolveSource(_ node: Node) throws(GraphFileError) -> ResolvePlan.Source {
        let keys = ["name", "url", "list", "fields", "duration_unit", "headers", "max_concurrent"]
        let pairs = try mapping(node, "a resolve source", allowed: keys)
        guard let nameNode = pairs.first(where: { $0.key == "name" })?.node else { throw error(node, "a resolve source needs a 'name'") }
        let name = try string(nameNode, "resolve source name")
        let what = "resolve source '\(name)'"
        var source = ResolvePlan.Source(name: name, url: nil)
        for (key, value) in pairs {
            switch key {
            case "url":
                let url = try string(value, "\(what).url")
                guard url.lowercased().hasPrefix("http://") || url.lowercased().hasPrefix("https://") else {
                    throw error(value, "\(what).url must be an http(s) URL template")
                }
                source.url = url
            case "list": source.list = value.string ?? ""
            case "fields":
                for (field, path) in try mapping(value, "\(what).fields", allowed: ["url", "title", "creators", "duration", "format", "bitrate", "size"]) {
                    source.fields[field] = try string(path, "\(what).fields.\(field)")
                }
            case "duration_unit": source.durationInMilliseconds = try inMilliseconds(value, what)
            case "headers": source.headers = try headers(value, what)
            case "max_concurrent": source.maxConcurrent = try int(value, "\(what).max_concurrent")
            default: break
            }
        }
        if source.url != nil, source.fields["url"] == nil { throw error(node, "\(what) searches: its fields need 'url'") }
        if source.url == nil, pairs.contains(where: { ["list", "fields"].contains($0.key) }) {
            throw error(node, "\(what) has no url: it stands for the items its collector listed (no list or fields)")
        }
        return source
    }
}
