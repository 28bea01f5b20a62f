import { describe, expect, it } from 'vitest';
import {
  contentTemplateKinds,
  isCollectionContentType,
  toContentTemplateKind,
} from '../../../shared/core/mapping/templateType.js';

describe('toContentTemplateKind', () => {
  it.each([
    ['CalculatedContent', 'CalculatedContent'],
    ['calculatedcontenttemplate', 'CalculatedContent'],
    ['JSONPATHCONTENT', 'JsonPathContent'],
    ['IotJsonPathContentTemplate', 'IotJsonPathContent'],
    ['iotCentralJsonPathContent', 'IotCentralJsonPathContent'],
  ])('reads %s as %s', (templateType, kind) => {
    expect(toContentTemplateKind(templateType)).toBe(kind);
  });

  it.each([
    'CollectionContent',
    'CalculatedContentTemplateTemplate',
    'Template',
    '',
    'CodeValueFhir',
    ' CalculatedContent',
  ])('knows no content kind named %j', (templateType) => {
    expect(toContentTemplateKind(templateType)).toBeUndefined();
  });

  it('round-trips every kind name', () => {
    expect(contentTemplateKinds.map((kind) => toContentTemplateKind(kind))).toEqual(contentTemplateKinds);
  });
});

describe('isCollectionContentType', () => {
  it('accepts CollectionContent in any case, with or without the Template suffix', () => {
    expect(
      ['CollectionContent', 'collectioncontenttemplate', 'COLLECTIONCONTENT'].map(isCollectionContentType),
    ).toEqual([true, true, true]);
  });

  it('rejects other root types', () => {
    expect(['CollectionFhir', 'CollectionFhirTemplate', 'CalculatedContent', ''].map(isCollectionContentType)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
