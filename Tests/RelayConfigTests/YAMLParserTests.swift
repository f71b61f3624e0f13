import RelayConfig
import Testing

@Suite struct YAMLParserTests {
    @Test func marksAreOneBased() throws {
        let node = try ConfigNode.parse(yaml: "a:\n  b: 1\n  c: [x, 'y']\n", fileName: "m.yaml")
        #expect(node.mark == Mark(fileName: "m.yaml", line: 1, column: 1))
        let a = try #require(node["a"])
        #expect(a.mark == Mark(fileName: "m.yaml", line: 2, column: 3))
        let entries = try #require(a.mapping?.entries)
        #expect(entries[0].key.mark == Mark(fileName: "m.yaml", line: 2, column: 3))
        #expect(entries[0].value.mark == Mark(fileName: "m.yaml", line: 2, column: 6))
        let list = try #require(entries[1].value.sequence)
        #expect(list.mark.lineAndColumn == "3:6")
        #expect(list.elements[1].mark.lineAndColumn == "3:10")
        #expect(list.elements[1].mark.description == "m.yaml:3:10")
        #expect(list.elements[1].mark.sourceLine == "  c: [x, 'y']")
    }

    @Test func columnsCountUnicodeScalars() throws {
        let node = try ConfigNode.parse(yaml: "name: \"héllo\"\nnext: é\n", fileName: "u.yaml")
        #expect(node["next"]?.mark.lineAndColumn == "2:7")
        #expect(node["name"]?.string == "héllo")
    }

    @Test func nullsAndQuotedStrings() throws {
        let yaml = """
            a:
            b: ~
            c: null
            d: "null"
            e: ''
            f: !!null x
            g: NULL
            h: 'null'
            """
        let node = try ConfigNode.parse(yaml: yaml, fileName: "n.yaml")
        for key in ["a", "b", "c", "f", "g"] {
            #expect(node[key]?.isNull == true, "\(key) should be null")
        }
        for key in ["d", "e", "h"] {
            #expect(node[key]?.isNull == false, "\(key) should be a string")
        }
        #expect(node["d"]?.string == "null")
        #expect(node["d"]?.scalar?.style == .doubleQuoted)
        #expect(node["e"]?.string == "")
    }

    @Test func emptyDocumentIsNull() throws {
        let node = try ConfigNode.parse(yaml: "# only a comment\n", fileName: "e.yaml")
        #expect(node.isNull)
        #expect(node.mark.lineAndColumn == "1:1")
    }

    @Test func anchorsAndAliases() throws {
        let yaml = """
            base: &addr
              address: 10.0.0.1
              port_value: 80
            copy: *addr
            name: &n shared
            again: *n
            """
        let node = try ConfigNode.parse(yaml: yaml, fileName: "a.yaml")
        #expect(node["copy"] == node["base"])
        #expect(node["copy"]?["port_value"]?.string == "80")
        #expect(node["again"]?.string == "shared")
        // The alias carries the anchored node's marks.
        #expect(node["copy"]?["address"]?.mark.lineAndColumn == "2:12")
    }

    @Test func mergeKeys() throws {
        let yaml = """
            defaults: &defaults
              type: STRICT_DNS
              connect_timeout: 1s
            extra: &extra
              lb_policy: RANDOM
              type: STATIC
            cluster:
              name: web
              <<: [*defaults, *extra]
              connect_timeout: 2s
            """
        let node = try ConfigNode.parse(yaml: yaml, fileName: "merge.yaml")
        let cluster = try #require(node["cluster"]?.mapping)
        #expect(cluster.keys == ["name", "connect_timeout", "type", "lb_policy"])
        #expect(cluster["connect_timeout"]?.string == "2s")
        #expect(cluster["type"]?.string == "STRICT_DNS")
        #expect(cluster["lb_policy"]?.string == "RANDOM")
    }

    @Test func quotedMergeKeyIsAnOrdinaryKey() throws {
        let node = try ConfigNode.parse(yaml: "\"<<\": 1\n", fileName: "q.yaml")
        #expect(node.mapping?.keys == ["<<"])
    }

    @Test func syntaxErrorGolden() {
        let yaml = "static_resources:\n  listeners:\n  - name: a\n   bad: [1, 2\n"
        let expected = """
            bad.yaml:4:4: error: YAML syntax error: did not find expected key (while parsing a block mapping at 2:3)
               bad: [1, 2
               ^
            """
        #expect(parseError(yaml, fileName: "bad.yaml") == expected)
    }

    @Test func scannerErrorGolden() {
        let yaml = "admin:\n  address: @oops\n"
        let expected = """
            s.yaml:2:12: error: YAML syntax error: found character that cannot start any token (while scanning for the next token at 2:12)
              address: @oops
                       ^
            """
        #expect(parseError(yaml, fileName: "s.yaml") == expected)
    }

    @Test func mappingValuesNotAllowedGolden() {
        let yaml = "a: b: c\n"
        let expected = """
            v.yaml:1:5: error: YAML syntax error: mapping values are not allowed in this context
            a: b: c
                ^
            """
        #expect(parseError(yaml, fileName: "v.yaml") == expected)
    }

    @Test func duplicateKeyGolden() {
        let yaml = "name: a\nname: b\n"
        let expected = """
            d.yaml:2:1: error: duplicate key 'name' (first given at 1:1)
            name: b
            ^
            """
        #expect(parseError(yaml, fileName: "d.yaml") == expected)
    }

    @Test func unknownAliasGolden() {
        let expected = """
            x.yaml:1:4: error: unknown alias '*nope': no anchor '&nope' defined before it
            a: *nope
               ^
            """
        #expect(parseError("a: *nope\n", fileName: "x.yaml") == expected)
    }

    @Test func multipleDocumentsRejected() {
        let error = parseError("a: 1\n---\nb: 2\n", fileName: "m.yaml")
        #expect(error?.hasPrefix("m.yaml:2:1: error: expected a single YAML document") == true)
    }

    @Test func caretKeepsTabs() {
        let error = ConfigError("bad", at: Mark(fileName: "t", line: 1, column: 3))
        #expect(error.description == "t:1:3: error: bad")
        let withLine = ConfigError(mark: Mark(fileName: "t", line: 1, column: 3), message: "bad", sourceLine: "\tx: y")
        #expect(withLine.description == "t:1:3: error: bad\n\tx: y\n\t ^")
        let fileOnly = ConfigError("cannot read", at: .file("missing.yaml"))
        #expect(fileOnly.description == "missing.yaml: error: cannot read")
    }

    private func parseError(_ yaml: String, fileName: String) -> String? {
        do {
            _ = try ConfigNode.parse(yaml: yaml, fileName: fileName)
            return nil
        } catch {
            return (error as? ConfigError)?.description ?? "\(error)"
        }
    }
}
