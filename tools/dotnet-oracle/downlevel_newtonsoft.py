#!/usr/bin/env python3
"""Rewrites Newtonsoft.Json's C# 8+ sources so that Mono's C# compiler (mcs, C# 7) builds them.

Usage: downlevel_newtonsoft.py <Src/Newtonsoft.Json directory> <output dll> <defines>

The rewrite changes syntax only, never what the library does on the paths the oracle uses:
- nullable reference annotations (`string?`) and the null-forgiving `!` are dropped; `?` is kept after value types;
- `x ??= y` becomes `x = x ?? y`, `is not null` becomes `!= null`, `where T : notnull/default` constraints go;
- switch statements on types in JArray's indexer and ReflectionUtils.GetAttributes become if statements;
- BoxedPrimitives' switch expressions (a boxing cache) become plain boxing.
A `?` kept after a type mcs then takes as Nullable<T> of a reference type (a generic `T?`) is reported as CS0453;
each such `?` is dropped and the build repeated.
"""
import os
import re
import subprocess
import sys

VALUE_TYPES = set(
    """bool byte sbyte char decimal double float int uint long ulong short ushort nint nuint
DateTime DateTimeOffset TimeSpan Guid BigInteger Decimal CancellationToken DateOnly TimeOnly Int32 Int64 Boolean
Double Char Byte StreamingContext RegexOptions TKey TValue TEnum""".split()
)

ANNOTATION = re.compile(r'(\b\w+|\]|>)\?(?=\s+[A-Za-z_@]|[,>)]|\[\])')
NULL_FORGIVING = re.compile(r'(?<=[\w\)\]])!(?=[.\[);,}\s:\]])')


def value_types_of(root):
    """The enums and structs the library declares: a `?` after them is Nullable<T> and stays."""
    names = set(VALUE_TYPES)
    for path in sources(root):
        names.update(re.findall(r'\b(?:enum|struct)\s+(\w+)', read(path)))
    return names


def sources(root):
    for directory, _, files in os.walk(root):
        if os.sep + 'obj' in directory:
            continue
        for name in files:
            if name.endswith('.cs'):
                yield os.path.join(directory, name)


def read(path):
    with open(path, encoding='utf-8-sig') as f:
        return f.read()


def write(path, text):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


def downlevel(text, value_types):
    text = re.sub(r'^\s*#nullable.*$', '', text, flags=re.M)
    text = ANNOTATION.sub(lambda m: m.group(0) if m.group(1) in value_types else m.group(1), text)
    text = NULL_FORGIVING.sub('', text)
    text = re.sub(r'([\w.\[\]]+) \?\?= (.+);', r'\1 = \1 ?? \2;', text)
    text = text.replace(' where T : default', '')
    text = re.sub(r'where (\w+) : notnull', '', text)
    text = re.sub(r'\]\?\(', '](', text)
    text = text.replace('where T : JToken?', 'where T : JToken')
    text = re.sub(r'(?<=\w)!\(', '(', text)
    return text.replace(' is not null', ' != null')


def patch_type_switches(root):
    path = os.path.join(root, 'Linq', 'JArray.cs')
    text = read(path)
    text = text.replace(
        '                switch (key)\n                {\n                    case int intKey:\n'
        '                        return GetItem(intKey);',
        '                if (key is int) return GetItem((int)key);\n                switch (key)\n                {',
    )
    text = text.replace(
        '                switch (key)\n                {\n                    case int intKey:\n'
        '                        SetItem(intKey, value);\n                        return;',
        '                if (key is int) { SetItem((int)key, value); return; }\n                switch (key)\n                {',
    )
    write(path, text)

    path = os.path.join(root, 'Utilities', 'ReflectionUtils.cs')
    text = read(path)
    start = text.index('            switch (provider)\n            {\n                case Type t:')
    end = text.index('#else\n        public static T[] GetAttributes<T>', start)
    text = (
        text[:start]
        + '            ICustomAttributeProvider p = (ICustomAttributeProvider)provider;\n'
        + '            object[] found = attributeType != null ? p.GetCustomAttributes(attributeType, inherit)'
        + ' : p.GetCustomAttributes(inherit);\n'
        + '            return found.Cast<Attribute>().ToArray();\n        }\n'
        + text[end:]
    )
    write(path, text)

    path = os.path.join(root, 'Utilities', 'BoxedPrimitives.cs')
    text = read(path)
    for kind in ('int', 'long'):
        text = re.sub(
            r'internal static object Get\(%s value\) => value switch\n\s*\{.*?\};' % kind,
            'internal static object Get(%s value) => value;' % kind,
            text,
            flags=re.S,
        )
    write(path, text)


def build(root, output, defines):
    files = sorted(sources(root))
    command = [
        'mcs', '-target:library', '-langversion:experimental', '-out:' + output, '-define:' + defines,
        '-nowarn:1591,0618,0612,0436',
    ] + ['-r:' + r for r in (
        'System.Numerics.dll', 'System.Data.dll', 'System.Xml.dll', 'System.Xml.Linq.dll',
        'System.Runtime.Serialization.dll', 'System.ComponentModel.DataAnnotations.dll', 'Microsoft.CSharp.dll',
    )] + files
    result = subprocess.run(command, cwd=root, capture_output=True, text=True)
    if result.returncode == 0:
        return []
    return [line for line in (result.stdout + result.stderr).splitlines() if 'error' in line] or ['mcs failed']


def drop_reference_type_annotations(root, errors):
    """Drops each `?` that mcs reports (CS0453) as Nullable<T> of a reference type; returns how many."""
    by_file = {}
    for line in errors:
        m = re.match(r'(\S+)\((\d+),(\d+)\): error CS0453', line)
        if m:
            by_file.setdefault(os.path.join(root, m.group(1)), set()).add((int(m.group(2)), int(m.group(3))))
    count = 0
    for path, places in by_file.items():
        lines = read(path).split('\n')
        for line_no, column in sorted(places, reverse=True):
            line = lines[line_no - 1]
            i = line.find('?', column - 1)
            while i >= 0 and (line[i + 1:i + 2] in ('.', '?') or line[i - 1:i] == '?'):
                i = line.find('?', i + 2)
            if i >= 0:
                lines[line_no - 1] = line[:i] + line[i + 1:]
                count += 1
        write(path, '\n'.join(lines))
    return count


def main():
    root, output, defines = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]
    value_types = value_types_of(root)
    for path in sources(root):
        write(path, downlevel(read(path), value_types))
    patch_type_switches(root)
    for _ in range(8):
        errors = build(root, output, defines)
        if not errors:
            print('built', output)
            return
        if drop_reference_type_annotations(root, errors) == 0:
            break
    sys.exit('mcs failed:\n' + '\n'.join(errors[:40]))


if __name__ == '__main__':
    main()
