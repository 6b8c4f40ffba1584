using System;
using System.Collections.Generic;
using System.Text;

namespace NetGen.Generator.Parsing
{
    /// <summary>A JSON value with its position in the text, for diagnostics that point into the file.</summary>
    internal abstract class JsonValue
    {
        protected JsonValue(int start) => Start = start;

        /// <summary>The offset of the value's first character.</summary>
        public int Start { get; }

        /// <summary>The offset just past the value's last character.</summary>
        public int End { get; set; }

        /// <summary>How the value is called in messages: "an object", "a string", ...</summary>
        public abstract string Kind { get; }
    }

    internal sealed class JsonObject : JsonValue
    {
        public JsonObject(int start)
            : base(start)
        {
        }

        public override string Kind => "an object";

        public List<KeyValuePair<string, JsonValue>> Members { get; } = new();

        public JsonValue? this[string key]
        {
            get
            {
                foreach (KeyValuePair<string, JsonValue> member in Members)
                {
                    if (member.Key == key)
                    {
                        return member.Value;
                    }
                }

                return null;
            }
        }
    }

    internal sealed class JsonArray : JsonValue
    {
        public JsonArray(int start)
            : base(start)
        {
        }

        public override string Kind => "an array";

        public List<JsonValue> Items { get; } = new();
    }

    internal sealed class JsonString : JsonValue
    {
        public JsonString(int start, string value)
            : base(start) => Value = value;

        public override string Kind => "a string";

        public string Value { get; }
    }

    /// <summary>A number, kept as its source text so it can be baked as a literal without a second rounding. Also
    /// Python's <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c> (which <c>json.dump</c> writes by default), so that
    /// they get the non-finite diagnostic rather than a syntax error.</summary>
    internal sealed class JsonNumber : JsonValue
    {
        public JsonNumber(int start, string text)
            : base(start) => Text = text;

        public override string Kind => "a number";

        public string Text { get; }

        public bool IsNamedNonFinite => Text is "NaN" or "Infinity" or "-Infinity";
    }

    /// <summary><c>true</c>, <c>false</c> or <c>null</c>.</summary>
    internal sealed class JsonLiteral : JsonValue
    {
        public JsonLiteral(int start, string text)
            : base(start) => Text = text;

        public override string Kind => Text == "null" ? "null" : "a boolean";

        public string Text { get; }
    }

    /// <summary>The text is not JSON: what is wrong, and the offset where it was found.</summary>
    internal sealed class JsonSyntaxException : Exception
    {
        public JsonSyntaxException(string message, int offset)
            : base(message) => Offset = offset;

        public int Offset { get; }
    }

    /// <summary>A small strict JSON reader (RFC 8259) for the generator, which cannot use System.Text.Json on
    /// netstandard2.0 in every host. Every value keeps its offset; errors throw <see cref="JsonSyntaxException"/>
    /// with the offset. Nesting is bounded so that hostile input cannot overflow the compiler's stack.</summary>
    internal sealed class JsonReader
    {
        private const int MaxDepth = 64;
        private readonly string _text;
        private int _position;

        private JsonReader(string text) => _text = text;

        public static JsonValue Parse(string text)
        {
            var reader = new JsonReader(text);
            reader.SkipWhitespace();
            if (reader._position < text.Length && text[reader._position] == '\uFEFF')
            {
                reader._position++;
                reader.SkipWhitespace();
            }

            JsonValue value = reader.ReadValue(0);
            reader.SkipWhitespace();
            if (reader._position < text.Length)
            {
                throw new JsonSyntaxException("unexpected text after the document", reader._position);
            }

            return value;
        }

        private JsonValue ReadValue(int depth)
        {
            if (depth > MaxDepth)
            {
                throw new JsonSyntaxException($"nesting deeper than {MaxDepth} levels", _position);
            }

            if (_position >= _text.Length)
            {
                throw new JsonSyntaxException("unexpected end of the file, expected a value", _position);
            }

            char c = _text[_position];
            return c switch
            {
                '{' => ReadObject(depth),
                '[' => ReadArray(depth),
                '"' => ReadString(),
                't' => ReadLiteral("true"),
                'f' => ReadLiteral("false"),
                'n' => ReadLiteral("null"),
                'N' => ReadNamedNumber("NaN"),
                'I' => ReadNamedNumber("Infinity"),
                _ when c == '-' && Next(1) == 'I' => ReadNamedNumber("-Infinity"),
                _ when c == '-' || (c >= '0' && c <= '9') => ReadNumber(),
                _ => throw new JsonSyntaxException($"unexpected character '{Printable(c)}', expected a value", _position),
            };
        }

        private JsonObject ReadObject(int depth)
        {
            var result = new JsonObject(_position);
            _position++;
            SkipWhitespace();
            if (Peek() == '}')
            {
                _position++;
                result.End = _position;
                return result;
            }

            while (true)
            {
                SkipWhitespace();
                if (Peek() != '"')
                {
                    throw new JsonSyntaxException("expected a property name in double quotes", _position);
                }

                int keyStart = _position;
                string key = ReadString().Value;
                if (result[key] is not null)
                {
                    throw new JsonSyntaxException($"the property \"{key}\" appears twice", keyStart);
                }

                SkipWhitespace();
                Expect(':', "expected ':' after a property name");
                SkipWhitespace();
                result.Members.Add(new KeyValuePair<string, JsonValue>(key, ReadValue(depth + 1)));
                SkipWhitespace();
                if (Peek() == ',')
                {
                    _position++;
                    continue;
                }

                Expect('}', "expected ',' or '}' after a property");
                result.End = _position;
                return result;
            }
        }

        private JsonArray ReadArray(int depth)
        {
            var result = new JsonArray(_position);
            _position++;
            SkipWhitespace();
            if (Peek() == ']')
            {
                _position++;
                result.End = _position;
                return result;
            }

            while (true)
            {
                SkipWhitespace();
                result.Items.Add(ReadValue(depth + 1));
                SkipWhitespace();
                if (Peek() == ',')
                {
                    _position++;
                    continue;
                }

                Expect(']', "expected ',' or ']' after an array element");
                result.End = _position;
                return result;
            }
        }

        private JsonString ReadString()
        {
            int start = _position;
            _position++;
            var value = new StringBuilder();
            while (true)
            {
                if (_position >= _text.Length)
                {
                    throw new JsonSyntaxException("unterminated string", start);
                }

                char c = _text[_position++];
                if (c == '"')
                {
                    return new JsonString(start, value.ToString()) { End = _position };
                }

                if (c < ' ')
                {
                    throw new JsonSyntaxException("a control character inside a string", _position - 1);
                }

                if (c != '\\')
                {
                    value.Append(c);
                    continue;
                }

                char escape = Peek();
                _position++;
                switch (escape)
                {
                    case '"': value.Append('"'); break;
                    case '\\': value.Append('\\'); break;
                    case '/': value.Append('/'); break;
                    case 'b': value.Append('\b'); break;
                    case 'f': value.Append('\f'); break;
                    case 'n': value.Append('\n'); break;
                    case 'r': value.Append('\r'); break;
                    case 't': value.Append('\t'); break;
                    case 'u':
                        if (_position + 4 > _text.Length || !ushort.TryParse(_text.Substring(_position, 4), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out ushort code))
                        {
                            throw new JsonSyntaxException("expected four hexadecimal digits after \\u", _position);
                        }

                        value.Append((char)code);
                        _position += 4;
                        break;
                    default:
                        throw new JsonSyntaxException($"unknown escape '\\{Printable(escape)}'", _position - 1);
                }
            }
        }

        private JsonNumber ReadNumber()
        {
            // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
            int start = _position;
            if (Peek() == '-')
            {
                _position++;
            }

            if (Peek() == '0')
            {
                _position++;
                if (IsDigit(Peek()))
                {
                    throw new JsonSyntaxException("a number with a leading zero", start);
                }
            }
            else
            {
                Digits("expected a digit");
            }

            if (Peek() == '.')
            {
                _position++;
                Digits("expected a digit after the decimal point");
            }

            if (Peek() is 'e' or 'E')
            {
                _position++;
                if (Peek() is '+' or '-')
                {
                    _position++;
                }

                Digits("expected a digit in the exponent");
            }

            return new JsonNumber(start, _text.Substring(start, _position - start)) { End = _position };
        }

        private JsonNumber ReadNamedNumber(string name)
        {
            int start = _position;
            if (string.CompareOrdinal(_text, _position, name, 0, name.Length) != 0)
            {
                throw new JsonSyntaxException($"unexpected character '{Printable(_text[_position])}', expected a value", _position);
            }

            _position += name.Length;
            return new JsonNumber(start, name) { End = _position };
        }

        private JsonLiteral ReadLiteral(string literal)
        {
            int start = _position;
            if (string.CompareOrdinal(_text, _position, literal, 0, literal.Length) != 0)
            {
                throw new JsonSyntaxException($"expected '{literal}'", _position);
            }

            _position += literal.Length;
            return new JsonLiteral(start, literal) { End = _position };
        }

        private void Digits(string message)
        {
            if (!IsDigit(Peek()))
            {
                throw new JsonSyntaxException(message, _position);
            }

            while (IsDigit(Peek()))
            {
                _position++;
            }
        }

        private void Expect(char c, string message)
        {
            if (Peek() != c)
            {
                throw new JsonSyntaxException(_position >= _text.Length ? "unexpected end of the file, " + message : message, _position);
            }

            _position++;
        }

        private void SkipWhitespace()
        {
            while (_position < _text.Length && _text[_position] is ' ' or '\t' or '\n' or '\r')
            {
                _position++;
            }
        }

        private char Peek() => _position < _text.Length ? _text[_position] : '\0';

        private char Next(int ahead) => _position + ahead < _text.Length ? _text[_position + ahead] : '\0';

        private static bool IsDigit(char c) => c >= '0' && c <= '9';

        private static string Printable(char c) => c < ' ' || c > '~' ? "U+" + ((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture) : c.ToString();
    }
}
