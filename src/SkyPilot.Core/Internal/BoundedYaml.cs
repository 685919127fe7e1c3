using System;
using System.Collections.Generic;
using System.IO;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace SkyPilot.Core.Internal
{
    /// <summary>
    /// Loads YAML that a user wrote (task files, <c>~/.sky/config.yaml</c>) within bounds, so no input can take the host
    /// down: YamlDotNet builds its node tree recursively, and a stack overflow cannot be caught in .NET (40,000 nested
    /// brackets kill pwsh), while aliases let a few hundred bytes stand for billions of nodes ("billion laughs") that
    /// every later walk over the tree would visit. The text is first scanned event by event, which needs no recursion
    /// and counts what aliases expand to; only text within the bounds is built into a tree.
    /// </summary>
    internal static class BoundedYaml
    {
        /// <summary>Largest text accepted, in characters. Task files with long inline scripts stay far below it.</summary>
        public const int MaxLength = 4 * 1024 * 1024;

        /// <summary>Deepest nesting of mappings and sequences; SkyPilot's schema needs fewer than ten levels.</summary>
        public const int MaxDepth = 64;

        /// <summary>Most nodes the document may stand for once every alias is expanded.</summary>
        public const long MaxExpandedNodes = 1_000_000;

        /// <summary>Parses <paramref name="text"/> into a stream, or throws <see cref="YamlException"/> (with the line) when
        /// it is not valid YAML or exceeds a bound.</summary>
        public static YamlStream Load(string text)
        {
            if (text.Length > MaxLength)
            {
                throw new YamlException(Mark.Empty, Mark.Empty, "the text is " + text.Length + " characters long; at most " + MaxLength + " are accepted");
            }

            Scan(text);
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            return stream;
        }

        /// <summary>
        /// YamlDotNet's scanner throws InvalidOperationException, without a position, on some malformed input (an unclosed
        /// flow list followed by a key): that is a YAML error too, placed after the last event that parsed.
        /// </summary>
        private static bool MoveNext(Parser parser)
        {
            try
            {
                return parser.MoveNext();
            }
            catch (InvalidOperationException)
            {
                var at = parser.Current?.End ?? Mark.Empty;
                throw new YamlException(at, at, "the YAML cannot be parsed after this point (an unclosed '[' or '{', or a misplaced character)");
            }
        }

        /// <summary>Throws when the nesting is deeper than <see cref="MaxDepth"/> or aliases expand past <see cref="MaxExpandedNodes"/>.</summary>
        private static void Scan(string text)
        {
            var parser = new Parser(new StringReader(text));
            var anchors = new Dictionary<string, long>();
            // One frame per open collection: the nodes counted inside it so far and its anchor, if any.
            var open = new Stack<(long Nodes, string? Anchor)>();
            long total = 0;
            while (MoveNext(parser))
            {
                var current = parser.Current!;
                switch (current)
                {
                    case MappingStart start:
                        Open(start.Anchor, start);
                        break;
                    case SequenceStart start:
                        Open(start.Anchor, start);
                        break;
                    case MappingEnd _:
                    case SequenceEnd _:
                        var closed = open.Pop();
                        if (closed.Anchor != null)
                        {
                            anchors[closed.Anchor] = closed.Nodes;
                        }

                        Count(closed.Nodes, current);
                        break;
                    case Scalar scalar:
                        if (!scalar.Anchor.IsEmpty)
                        {
                            anchors[scalar.Anchor.Value] = 1;
                        }

                        Count(1, current);
                        break;
                    case AnchorAlias alias:
                        Count(anchors.TryGetValue(alias.Value.Value, out var size) ? size : 1, current);
                        break;
                    case DocumentEnd _:
                        anchors.Clear(); // anchors do not carry across documents
                        break;
                }
            }

            void Open(AnchorName anchor, ParsingEvent at)
            {
                if (open.Count >= MaxDepth)
                {
                    throw new YamlException(at.Start, at.End, "mappings and lists are nested more than " + MaxDepth + " levels deep");
                }

                open.Push((1, anchor.IsEmpty ? null : anchor.Value));
            }

            void Count(long nodes, ParsingEvent at)
            {
                if (open.Count > 0)
                {
                    var parent = open.Pop();
                    open.Push((parent.Nodes + nodes, parent.Anchor));
                }
                else
                {
                    total += nodes;
                }

                var inside = total;
                foreach (var frame in open)
                {
                    inside += frame.Nodes;
                }

                if (inside > MaxExpandedNodes)
                {
                    throw new YamlException(at.Start, at.End, "aliases expand the document to more than " + MaxExpandedNodes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " nodes");
                }
            }
        }
    }
}
