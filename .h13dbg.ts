import { LspTestClient } from './test/server/lspClient';
(async () => {
  const c = await LspTestClient.start({ settings: {} });
  const uri = await c.open('/work/main/test/fixtures/server/train_small_gpt.py');
  const t = async (l: string) => console.log(l, (await c.codeLens(uri))?.[0]?.command?.title);
  await t('S0');
  await c.setSettings({ law: 'kaplan2020', hardware: { usdPerGpuHour: 3 } });
  await t('S2');
  await c.hover(uri, { line: 1, character: 2 });
  await c.setSettings({});
  await t('S0 again');
  await new Promise((r) => setTimeout(r, 500));
  await t('S0 again later');
  await c.stop();
})();
