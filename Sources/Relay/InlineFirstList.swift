/// A list that keeps its first element inline and only the rest in an array: most connections
/// have one read filter and one or two observers, and a one-element list then allocates
/// nothing (an `Array` allocates its storage on the first append).
///
/// Order is insertion order (``insertAtFront(_:)`` puts an element before all others).
struct InlineFirstList<Element> {
    private var first: Element?
    private var rest: [Element] = []

    init() {}

    mutating func append(_ element: Element) {
        if first == nil {
            first = element
        } else {
            rest.append(element)
        }
    }

    mutating func insertAtFront(_ element: Element) {
        if let current = first {
            rest.insert(current, at: 0)
        }
        first = element
    }

    mutating func removeAll(where shouldRemove: (Element) -> Bool) {
        guard let current = first else { return }
        if rest.isEmpty {
            if shouldRemove(current) { first = nil }
            return
        }
        var all = [current] + rest
        all.removeAll(where: shouldRemove)
        first = all.first
        rest = Array(all.dropFirst())
    }

    mutating func removeAll() {
        first = nil
        rest = []
    }
}

extension InlineFirstList: RandomAccessCollection {
    var startIndex: Int { 0 }
    var endIndex: Int { first == nil ? 0 : 1 + rest.count }

    subscript(position: Int) -> Element {
        precondition(position >= 0 && position < endIndex, "InlineFirstList index out of range")
        return position == 0 ? first! : rest[position - 1]
    }
}
