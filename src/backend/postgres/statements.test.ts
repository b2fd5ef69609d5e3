import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileStatement, preparedName, quoteIdentifier } from './sql/compile.js';
import { compileBackendStatements } from './statements.js';

describe('backend statements', () => {
  test('every fixed statement is prepared under a name of its own text', () => {
    const statements = Object.values(compileBackendStatements(quoteIdentifier('hub_a')));
    const names = new Set<string>();
    for (const statement of statements) {
      assert.equal(statement.name, preparedName(statement.text));
      names.add(statement.name);
    }
    // Two statements with one name would clash on a connection that prepared either.
    assert.equal(names.size, new Set(statements.map((statement) => statement.text)).size);
  });

  test('schemas get different names, so no connection confuses two task hubs', () => {
    const a = compileBackendStatements(quoteIdentifier('hub_a'));
    const b = compileBackendStatements(quoteIdentifier('hub_b'));
    assert.notEqual(a.LEASE_NEXT_TURNS.name, b.LEASE_NEXT_TURNS.name);
  });

  test('statements built at run time are not prepared', () => {
    assert.equal(compileStatement('SELECT 1', quoteIdentifier('hub_a')).name, undefined);
  });
});
